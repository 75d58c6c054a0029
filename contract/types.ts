/**
 * Types shared by workflows, activities and the CLI. Workflow code imports
 * only this and pure domain modules, which keeps it deterministic.
 */
import type { Label } from '../domain/label';
import type { Timeouts } from '../domain/timeouts';
import type { WarmOutcome } from '../domain/warm-outcome';
import type { HealthGate, Recipe } from '../config/schema';
import type { NotifyTargets } from '../config/notifications';

export type { Label };

export type { Timeouts };

/** Where things live; from the config snapshot, identical for every step of a sweep. */
export interface RunEnv {
  stateDir: string;
  /** The config file's directory: test commands run here. */
  configDir: string;
  abra: { bin: string; dir: string; domainChecks?: boolean };
  server: string;
  ciDomain: string;
  /** Domains of live warm providers: a canonical must never take one. */
  liveWarmDomains: string[];
  timeouts: Timeouts;
  /** The Web UI's workflow list for the namespace, for links in reports (absent in runs from before it). */
  uiWorkflows?: string;
  /** canonicals.diskBudget in bytes: a seed that would go past it is refused (absent: no budget). */
  diskBudgetBytes?: number;
  /** Which webhooks want which events, by name only (their URLs stay on the worker); absent in runs from before. */
  notify?: NotifyTargets;
}

// flakeRetries is optional: inputs recorded before it existed do not carry it.
export type RecipeSpec = Omit<Recipe, 'health' | 'flakeRetries'> & { health: HealthGate; flakeRetries?: number };

export interface RecipeInput {
  sweepId: string;
  env: RunEnv;
  recipe: RecipeSpec;
  /** Set when the sweep wants progress signals from this recipe. */
  reportTo?: string;
  /** The scale-out node it runs on (absent: the one node); recorded with its canonical. */
  node?: string;
  /** An on-demand run (`coopci run`): a chosen ref, never promoted. Absent: the sweep's decision and promote. */
  onDemand?: OnDemand;
  /** The sweep already looked (and found something to do, or could not tell): the recipe goes straight to the sync under its lock. */
  looked?: boolean;
}

/** The input of an on-demand run's workflow (`coopci run`, or `temporal workflow start --type recipeRunWorkflow`). */
export interface RunInput extends OnDemand {
  recipe: string;
}

/** What an operator asked of an on-demand run. */
export interface OnDemand {
  /** A branch, tag or commit of upstream; absent: the latest release tag. */
  ref?: string;
  /** Reattach: upgrade a copy of the canonical's volumes from the canonical's version to the ref (never the canonical itself). */
  quick?: boolean;
  /** Only these tiers run (install always does); absent: every tier. */
  tiers?: TierName[];
}

export { TIERS, type TierName } from '../domain/tiers';
import type { TierName } from '../domain/tiers';

export interface TierResult {
  tier: TierName;
  status: 'pass' | 'fail' | 'n/a';
  reason?: string;
  durationMs: number;
  /** Relative to the run directory. */
  junit?: string;
  /** Red first, green on this re-run (flakeRetries): a flake an operator should see. */
  flaky?: number;
  /** Where the tier's time went: its commands and waits merged by label, largest first, bounded (domain/timing aggregateSteps). */
  steps?: { kind: 'command' | 'wait'; what: string; ms: number; n?: number }[];
}

export type RecipePhase = 'pending' | 'waiting' | 'mirror-sync' | 'deciding' | `tier:${TierName}` | 'teardown' | 'promote' | 'labelling' | 'done';

export interface RecipeResult {
  recipe: string;
  label: Label;
  reason: string;
  /** The release that was decided on (tested, or the one that made it skip). */
  version: string | null;
  canonical: { before: string | null; after: string | null };
  decision: string;
  tiers: TierResult[];
  /** The canonical's volumes, measured after its promote (bytes). */
  canonicalBytes?: number;
  /** On-demand runs: the ref asked for and the commit it resolved to. */
  ref?: { name: string; commit: string; quick: boolean };
  workflowId: string;
  startedAt: string;
  endedAt: string;
}

export interface RecipeStatus {
  recipe: string;
  phase: RecipePhase;
  workflowId?: string;
  label?: Label;
  reason?: string;
  version?: string | null;
  startedAt?: string;
  endedAt?: string;
  attempt: number;
  /** The scale-out node it last ran on. */
  node?: string;
}

export interface SweepInput {
  /** Only these recipes (must be enrolled); all enrolled recipes when absent. */
  recipes?: string[];
  /** Continue as new once the history has this many events (Temporal's own suggestion also counts). */
  continueAsNewAfterEvents?: number;
  /** Set by the sweep itself when it continues as new: where the previous run stopped. */
  carried?: SweepCarry;
}

/** What a sweep hands to its next run when its history grows long. */
export interface SweepCarry {
  snapshot: ConfigSnapshot;
  recipes: RecipeStatus[];
  results: RecipeResult[];
  /** Recipes of the main pass not started yet, in order. */
  pending: string[];
  skipRequested: string[];
  retryQueue: string[];
  abortReason?: string;
  /** How many runs came before this one. */
  runs: number;
}

export interface SweepStatus {
  sweepId: string;
  state: 'starting' | 'running' | 'retrying' | 'aborting' | 'done';
  abortReason?: string;
  configDigest?: string;
  recipes: RecipeStatus[];
}

export interface SweepResult {
  sweepId: string;
  aborted: boolean;
  abortReason?: string;
  configDigest: string;
  results: RecipeResult[];
  reportFile?: string;
}

export interface ConfigSnapshot {
  digest: string;
  env: RunEnv;
  recipes: RecipeSpec[];
  lanes: number;
  /** Scale-out: one lane per node, each on the node's own task queue (absent: one node). */
  nodes?: SweepNode[];
  /** The warm app that is the proxy: a sweep waits while it is being deployed (absent in snapshots from before). */
  proxyApp?: string;
  /** Scale-out: recipes whose canonical lives on a node run there, always (recipe → node name). */
  pins?: Record<string, string>;
}

export interface SweepNode {
  name: string;
  taskQueue: string;
  server: string;
}

export interface ProgressSignal {
  recipe: string;
  phase: RecipePhase;
  version?: string | null;
}

export type WarmPhase = 'loading' | 'deploying' | 'gating' | 'rolling-back' | 'done';

export interface WarmDeployResult {
  workflowId: string;
  app: string;
  outcome: WarmOutcome;
  /** The release that was deployed and gated. */
  version: string;
  lastGood: string | null;
  /** Path of the alert written, if any. */
  alert: string | null;
  reason: string;
}

export interface WarmAppOutcome {
  app: string;
  outcome: WarmDeployResult['outcome'] | 'SKIPPED';
  version: string | null;
  reason: string;
}

export interface ConvergeResult {
  workflowId: string;
  /** In config order; SKIPPED apps did not run because an app they come after did not come up. */
  apps: WarmAppOutcome[];
}

/** What starts a warm deploy: the app (default: the proxy), and optionally a release, deployed even if rejected with `force`. */
export interface WarmDeployInput {
  app?: string;
  /** A release tag of the app's recipe (checked against the mirror); default: the latest. */
  version?: string;
  /** Deploy the release even if it failed its gate before. */
  force?: boolean;
}

/** A warm deploy's phase: `waiting` while another deploy of the app holds its lock. */
export type WarmDeployPhase = WarmPhase | 'waiting';

export interface WarmDeployStatus {
  phase: WarmDeployPhase;
  abortReason: string | null;
  /** The deploy this one waits for (phase `waiting`). */
  waitingFor?: string;
}
