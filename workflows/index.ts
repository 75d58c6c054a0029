export { recipeWorkflow } from './recipe';
export { sweepLockWorkflow, sweepWorkflow } from './sweep';
