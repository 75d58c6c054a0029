// dependency-cruiser: the one-way layering (README, "How the code is laid out").
//   cli/, worker/ → client/, workflows/ ⇢ (types only) activities/ → adapters/, state/ → contract/ → config/ → domain/
// Each rule names the layer it protects; run with `npm run deps:check`.

/** A path regex matching any of the given top-level folders. */
const folders = (...names) => `^(${names.join('|')})/`;
/** Imports that vanish at compile time: `import type …`, `export type …`, `import('…').T`. */
const TYPE_ONLY = ['type-only', 'type-import'];
/** Development code: production folders never import it. */
const DEV = ['test', 'bench', 'scripts', 'tools'];

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      comment: 'An import that does not resolve is a typo or a missing dependency (and would blind the rules below).',
      from: {},
      to: { couldNotResolve: true },
    },
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'A cycle means two modules are one layer in disguise: split out what both need.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'domain-is-pure',
      severity: 'error',
      comment: 'domain/ holds pure rules: it imports only domain/ and npm packages (zod), never another layer.',
      from: { path: '^domain/' },
      to: { path: folders('config', 'contract', 'adapters', 'state', 'activities', 'workflows', 'client', 'cli', 'worker', ...DEV) },
    },
    {
      name: 'domain-does-no-io',
      severity: 'error',
      comment: 'domain/ rules are pure functions: no Node built-ins (file system, network, processes, clocks of the OS).',
      from: { path: '^domain/' },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'config-imports-only-domain',
      severity: 'error',
      comment: 'config/ (schema, loader, Temporal settings) builds on domain/ only.',
      from: { path: '^config/' },
      to: { path: folders('contract', 'adapters', 'state', 'activities', 'workflows', 'client', 'cli', 'worker', ...DEV) },
    },
    {
      name: 'contract-imports-only-config-and-domain',
      severity: 'error',
      comment: 'contract/ (workflow inputs, results, messages, ids) is shared by every side: it builds on config/ and domain/ only.',
      from: { path: '^contract/' },
      to: { path: folders('adapters', 'state', 'activities', 'workflows', 'client', 'cli', 'worker', ...DEV) },
    },
    {
      name: 'adapters-and-state-below-activities',
      severity: 'error',
      comment: 'adapters/ and state/ do the I/O for activities: they import adapters/, state/, contract/, config/, domain/ only.',
      from: { path: folders('adapters', 'state') },
      to: { path: folders('activities', 'workflows', 'client', 'cli', 'worker', ...DEV) },
    },
    {
      name: 'activities-below-workflows',
      severity: 'error',
      comment: 'activities/ are what the worker registers: they never reach up to workflows/, client/, cli/ or worker/.',
      from: { path: '^activities/' },
      to: { path: folders('workflows', 'client', 'cli', 'worker', ...DEV) },
    },
    {
      name: 'workflows-no-io-layers',
      severity: 'error',
      comment: 'Workflow code is deterministic and bundled for the sandbox: it imports contract/, domain/ and npm, never the I/O layers.',
      from: { path: '^workflows/' },
      to: { path: folders('adapters', 'state', 'client', 'cli', 'worker', ...DEV) },
    },
    {
      name: 'workflows-activities-types-only',
      severity: 'error',
      comment: 'Workflows call activities through proxyActivities<Activities> (workflows/activity-types.ts): type imports only.',
      from: { path: '^workflows/' },
      to: { path: '^activities/', dependencyTypesNot: TYPE_ONLY },
    },
    {
      name: 'workflows-no-node-builtins',
      severity: 'error',
      comment: 'Node built-ins do I/O or are non-deterministic; the workflow sandbox refuses them. Use an activity.',
      from: { path: '^workflows/' },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'client-not-activities-worker-cli',
      severity: 'error',
      comment: 'client/ starts and steers workflows over Temporal: it never runs activities, the worker, or the CLI.',
      from: { path: '^client/' },
      to: { path: folders('activities', 'worker', 'cli', ...DEV) },
    },
    {
      name: 'client-workflows-types-only',
      severity: 'error',
      comment: 'client/ starts workflows by type (or name); loading workflow code outside the sandbox would run it unchecked.',
      from: { path: '^client/' },
      to: { path: '^workflows/', dependencyTypesNot: TYPE_ONLY },
    },
    {
      name: 'worker-and-cli-not-dev-code',
      severity: 'error',
      comment: 'The shipped processes never import tests, benchmarks, scripts or dev tools.',
      from: { path: folders('cli', 'worker') },
      to: { path: folders(...DEV) },
    },
    {
      name: 'only-the-worker-loads-activities',
      severity: 'error',
      comment: 'Activities run inside the worker only: cli/, bench/ and tools/ go through Temporal (client/) or adapters/state/.',
      from: { path: folders('cli', 'bench', 'tools') },
      to: { path: '^activities/' },
    },
  ],
  options: {
    // Only the project's own modules are followed; npm packages are leaves.
    doNotFollow: { path: ['node_modules'] },
    exclude: { path: ['^test/histories/', '^recipes/'] },
    // Keep `import type` edges (compiled away by tsc) so the type-only rules can tell them apart.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.mjs', '.js', '.cjs', '.json', '.d.ts'],
      mainFields: ['module', 'main', 'types', 'typings'],
    },
    reporterOptions: {
      text: { highlightFocused: true },
    },
  },
};
