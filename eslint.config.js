// ESLint: rules that catch bugs (floating promises, unsafe any, misused promises), not style.
// Prettier owns formatting; neither @eslint/js's nor typescript-eslint's recommended sets enable stylistic rules.
import { builtinModules } from 'node:module';
import js from '@eslint/js';
import { defineConfig, globalIgnores } from 'eslint/config';
import tseslint from 'typescript-eslint';

// Modules a workflow must not load at run time: Node's I/O and non-deterministic APIs, the project's I/O layers,
// and packages that do I/O. The worker's bundler would refuse some of them only when the worker starts.
const nodeBuiltins = builtinModules.filter((name) => !name.startsWith('_'));
const workflowForbiddenImports = {
  paths: [
    ...nodeBuiltins.map((name) => ({ name, message: 'Workflows are deterministic: no Node built-ins (use activities).' })),
    ...['@temporalio/activity', '@temporalio/client', '@temporalio/worker', '@temporalio/envconfig', '@temporalio/testing'].map((name) => ({
      name,
      message: 'Workflow code imports only @temporalio/workflow and @temporalio/common.',
    })),
    ...['dockerode', 'execa', 'pino', 'tsx', 'fast-xml-parser', 'yaml'].map((name) => ({ name, message: 'Workflows do no I/O: call an activity.' })),
  ],
  patterns: [
    { group: ['node:*'], message: 'Workflows are deterministic: no Node built-ins (use activities).' },
    {
      group: ['**/adapters', '**/adapters/**', '**/state', '**/state/**', '**/client/**', '**/cli/**', '**/worker/**'],
      message: 'Workflows import only contract/, domain/ and activity TYPES (see workflows/activity-types.ts).',
    },
    // Type imports stay allowed: proxyActivities<Activities> needs the activities' types, never their code.
    { group: ['**/activities', '**/activities/**'], allowTypeImports: true, message: 'Workflows import activities as types only.' },
    { group: ['**/config/load', '**/config/temporal'], allowTypeImports: true, message: 'Workflows get configuration from their input.' },
  ],
};

export default defineConfig(
  globalIgnores(['node_modules/', 'test/histories/', 'docs/', 'recipes/', '.coopci/', 'test-results/']),
  js.configs.recommended,
  {
    files: ['**/*.ts'],
    extends: [tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // `void promise` marks a promise deliberately left un-awaited.
      '@typescript-eslint/no-floating-promises': ['error', { ignoreVoid: true }],
      '@typescript-eslint/no-misused-promises': 'error',
      // An async function without await is harmless, and fakes and probes must be async to fit their interface.
      '@typescript-eslint/require-await': 'off',
      // `_`-prefixed names are deliberately unused (as tsc's noUnusedParameters allows).
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
    },
  },
  {
    // Tests poke at raw JSON and YAML (parsed configs, CLI output, hostile inputs) and use vitest's asymmetric
    // matchers, which are typed `any`; a wrong field there fails the test itself, so the `any` rules add only noise.
    files: ['test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
  {
    files: ['workflows/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', workflowForbiddenImports],
    },
  },
  {
    // Plain JavaScript entry points and configs run on Node.
    files: ['**/*.{js,mjs,cjs}'],
    languageOptions: {
      globals: { process: 'readonly', console: 'readonly', module: 'writable', require: 'readonly', URL: 'readonly' },
    },
  },
);
