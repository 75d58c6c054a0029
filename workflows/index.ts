export { recipeWorkflow } from './recipe';
export { sweepLockWorkflow, sweepWorkflow } from './sweep';
export { warmDeployWorkflow } from './warm';
export { convergeWorkflow } from './converge';
export { lockWorkflow } from './lock';
export { recipeRunWorkflow } from './run';
