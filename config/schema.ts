import { z } from 'zod';
import { domainName, recipeName, recipeVersion } from '../domain/names';
import { checkWarmGraph, inferServedBy } from '../domain/warm-graph';

/**
 * The configuration file, validated before anything runs. Every error names
 * its field path (see formatIssues). Durations are whole seconds.
 */

const seconds = (def: number, max = 7 * 24 * 3600) => z.number().int().positive().max(max).default(def);
const httpStatus = z.number().int().min(100).max(599);

/**
 * A git upstream. Credentials in it would travel in workflow inputs to the
 * history and the Web UI, so they are refused: an HTTP(S) URL carries no
 * user info at all, any URL no password (an SSH user such as `git@` is fine).
 */
const upstream = z
  .string()
  .min(1)
  .refine((u) => !/^(https?|git|ftps?):\/\/[^/]*@/i.test(u) && !/^[a-z][a-z0-9+.-]*:\/\/[^/@]*:[^/@]*@/i.test(u), {
    message: 'must not carry credentials (user:token@): give the worker a git credential helper or an SSH key instead',
  });
const appName = recipeName;

/** An HTTP(S) health gate. `{domain}` in the url is replaced by the app's domain. */
export const HealthGate = z
  .object({
    url: z
      .string()
      .regex(/^https?:\/\/[^\s]+$/, 'must be an http:// or https:// URL (may contain {domain})')
      .describe("What is probed; `{domain}` is replaced by the app's domain."),
    connectAddress: z
      .string()
      .regex(/^[0-9a-fA-F.:]+$/, 'must be an IP address')
      .optional()
      .describe("Connect here instead of resolving the host name (curl --resolve semantics): SNI and Host stay the url's."),
    allowedStatus: z.array(httpStatus).min(1).default([200]).describe('HTTP status codes that count as healthy.'),
    intervalSeconds: seconds(2, 300).describe('Pause between probes (at most 300).'),
    deadlineSeconds: seconds(300).describe('Give up (unhealthy) when not healthy by then.'),
    consecutive: z.number().int().min(1).max(100).default(1).describe('Successes in a row needed to pass.'),
    requestTimeoutSeconds: seconds(5, 300).describe('One probe slower than this is a failure (at most 300).'),
    caFile: z.string().optional().describe('A PEM CA bundle to trust for https gates (e.g. an internal CA).'),
  })
  .strict();
export type HealthGate = z.infer<typeof HealthGate>;

const TestCommand = z
  .object({
    command: z
      .array(z.string().min(1))
      .min(1)
      .describe("argv, run without a shell in the config file's directory; `{domain}`, `{url}` and `{junit}` are substituted."),
    timeoutSeconds: seconds(900).describe('The custom tier fails when the command runs longer.'),
  })
  .strict();

const Timeouts = z
  .object({
    mirrorSyncSeconds: seconds(180).describe('Fetching upstream into the mirror.'),
    deploySeconds: seconds(600).describe('One abra deploy or upgrade; a hung deploy (seen: 46 and 51 minutes) is cut off here.'),
    convergeSeconds: seconds(300).describe('Waiting for Swarm to run every service of a deployed app.'),
    teardownSeconds: seconds(300).describe('Removing a cold app with its secrets and volumes.'),
    backupSeconds: seconds(900).describe('One abra backup or restore.'),
  })
  .strict();

/** What the operator knows about one tier of a recipe. */
const TierPolicy = z
  .object({
    expected: z
      .literal('n/a')
      .optional()
      .describe(
        'The tier can never apply to this recipe (e.g. an upgrade from a moving image tag): it is not run, is reported n/a with `reason`, and never turns the recipe red.',
      ),
    reason: z.string().trim().min(1).max(300).optional().describe('Why the tier is expected n/a; shown in the report, JUnit and the Web UI.'),
  })
  .strict()
  .superRefine((t, ctx) => {
    if (t.expected && !t.reason) ctx.addIssue({ code: 'custom', path: ['reason'], message: 'expected: n/a needs a reason saying why the tier never applies' });
    if (!t.expected && t.reason) ctx.addIssue({ code: 'custom', path: ['expected'], message: 'a reason goes with expected: n/a' });
  });

// No install entry: every other tier needs the installed app, so install always runs.
const TierPolicies = z
  .object({ upgrade: TierPolicy.optional(), backup: TierPolicy.optional(), restore: TierPolicy.optional(), custom: TierPolicy.optional() })
  .strict();

export const Recipe = z
  .object({
    name: recipeName.describe('The recipe name, as abra knows it.'),
    upstream: upstream.describe('Upstream git repository (URL or local path) the mirror follows; no credentials in it.'),
    enrolled: z.boolean().default(true).describe('Whether the sweep tests and promotes it.'),
    exception: z.string().trim().min(1).optional().describe('Why a recipe is not enrolled; required when enrolled is false.'),
    health: HealthGate.describe('How a deployed app of this recipe is known to be healthy.'),
    test: TestCommand.optional().describe("The recipe's own test command (the custom tier); n/a when absent."),
    includePrereleases: z.boolean().default(false).describe('Whether a pre-release tag can be the latest release.'),
    timeouts: Timeouts.partial().optional().describe('Per-recipe overrides of `timeouts`, e.g. a longer deploy for a heavy recipe.'),
    tiers: TierPolicies.optional().describe('Per-tier policy: a tier expected n/a, with why (install always runs).'),
    upgradeFrom: recipeVersion
      .optional()
      .describe(
        'The release the upgrade tier starts from, instead of the one before the tested release; a tier failure names it when it is not an older release tag at run time.',
      ),
    flakeRetries: z
      .number()
      .int()
      .min(0)
      .max(3)
      .default(0)
      .describe('Re-run a red tier up to this many times on a fresh cold app; a pass on a re-run is green and reported flaky.'),
  })
  .strict()
  .superRefine((r, ctx) => {
    if (!r.enrolled && !r.exception) {
      ctx.addIssue({ code: 'custom', path: ['exception'], message: 'a recipe that is not enrolled needs an exception with a reason' });
    }
    if (r.enrolled && r.exception) {
      ctx.addIssue({ code: 'custom', path: ['exception'], message: 'only a recipe with enrolled: false takes an exception' });
    }
  });
export type Recipe = z.infer<typeof Recipe>;

export const WarmApp = z
  .object({
    name: appName.describe("The warm app's name (ids, last-good records and alerts use it)."),
    recipe: recipeName.describe('The recipe it is deployed from.'),
    upstream: upstream.describe("Upstream git repository of the app's recipe; its newest release tag is what gets deployed. No credentials in it."),
    domain: domainName.describe('The domain the app is deployed at.'),
    after: z.array(appName).default([]).describe('Apps that must be up (and gated) before this one deploys.'),
    health: HealthGate.extend({
      deadlineSeconds: seconds(900).describe('Give up (unhealthy, roll back) when not healthy by then.'),
      servedBy: appName
        .optional()
        .describe(
          "Which warm app answers this gate's URL; it must be this app or come strictly before it. When absent: the warm app whose domain is the URL's host, if any.",
        ),
    }).describe("The app's own health gate; the proxy's must be a signal it serves itself (Traefik: /api/version)."),
  })
  .strict();
export type WarmApp = z.infer<typeof WarmApp>;

/** A Swarm node with a worker of its own (scale-out): recipes are spread over nodes, one cold deploy at a time on each. */
const SweepNode = z
  .object({
    name: appName.describe('A name for the node (shown in summaries and status).'),
    taskQueue: z
      .string()
      .regex(/^[A-Za-z0-9._-]+$/, 'must be letters, digits, ".", "_" or "-"')
      .describe('The task queue its worker polls (`coopci worker --node NAME`).'),
    server: z
      .string()
      .regex(/^[a-z0-9][a-z0-9.-]{0,252}$/, 'must be an abra server name like "default" or a host name')
      .describe('The abra server name of the node.'),
  })
  .strict();

const Schedule = z
  .object({
    dayOfWeek: z
      .enum(['SUNDAY', 'MONDAY', 'TUESDAY', 'WEDNESDAY', 'THURSDAY', 'FRIDAY', 'SATURDAY', '*'])
      .default('SUNDAY')
      .describe('Day of a Temporal calendar spec; `*` for every day.'),
    hour: z.number().int().min(0).max(23).default(3).describe('Hour of the day, in `timezone`.'),
    minute: z.number().int().min(0).max(59).default(0).describe('Minute of the hour.'),
    timezone: z.string().min(1).default('UTC').describe('IANA time zone name of the calendar.'),
    catchupWindowSeconds: seconds(6 * 24 * 3600).describe("How late a missed run may still start (the old timer's Persistent=true)."),
    paused: z.boolean().default(false).describe('Create or keep the schedule paused.'),
  })
  .strict();

export const Config = z
  .object({
    ciDomain: domainName.describe('Cold apps run at `cold-<recipe>.<ciDomain>`, canonicals at `warm-<recipe>.<ciDomain>`.'),
    server: z
      .string()
      .regex(/^[a-z0-9][a-z0-9.-]{0,252}$/, 'must be an abra server name like "default" or a host name')
      .describe('The abra server name apps are created on.'),
    stateDir: z.string().min(1).describe('Registry, mirrors, run directories, last-good records and alerts live here.'),
    abra: z
      .object({
        bin: z.string().min(1).default('abra').describe('The abra executable (a path, or a name on PATH).'),
        dir: z.string().min(1).describe("ABRA_DIR: abra's servers/ and recipes/ live here."),
        domainChecks: z
          .boolean()
          .default(false)
          .describe("Let abra check that an app's domain resolves to the server before deploying it; off by default, as CI domains usually do not resolve."),
      })
      .strict(),
    temporal: z
      .object({
        address: z.string().default('127.0.0.1:7233').describe('Temporal frontend; TEMPORAL_ADDRESS or a Temporal profile overrides it.'),
        namespace: z.string().default('default').describe('Temporal namespace; TEMPORAL_NAMESPACE or a Temporal profile overrides it.'),
        taskQueue: z
          .string()
          .regex(/^[A-Za-z0-9._-]+$/)
          .default('coopci')
          .describe('Task queue the worker polls and workflows start on.'),
        uiUrl: z
          .string()
          .regex(/^https?:\/\/\S+$/, 'must be an http(s) URL')
          .default('http://127.0.0.1:8233')
          .describe('Where operators open the Web UI; links in output and reports point here.'),
      })
      .strict()
      .default({ address: '127.0.0.1:7233', namespace: 'default', taskQueue: 'coopci', uiUrl: 'http://127.0.0.1:8233' }),
    recipes: z.array(Recipe).min(1, 'list at least one recipe: an empty sweep would silently do nothing').describe('The recipes the sweep knows.'),
    sweep: z
      .object({
        lanes: z.number().int().min(1).max(32).default(1).describe('Recipes tested at once; a node runs one cold deploy at a time, so 1 by default.'),
        order: z.enum(['config', 'alphabetical']).default('config').describe('The order recipes are tested in.'),
      })
      .strict()
      .default({ lanes: 1, order: 'config' }),
    nodes: z
      .array(SweepNode)
      .default([])
      .describe(
        'Scale-out: Swarm nodes with a worker each; recipes are spread over them, one at a time per node (sweep.lanes is then ignored). Empty: one node, the worker on temporal.taskQueue.',
      ),
    warm: z.array(WarmApp).default([]).describe('Warm infrastructure (proxy first), deployed in `after` order by `coopci warm converge`.'),
    proxy: z
      .object({ app: appName.describe('Its name under `warm`.') })
      .strict()
      .optional()
      .describe('Which warm app is the reverse proxy (deployed first, by `coopci proxy deploy` and its schedule).'),
    timeouts: Timeouts.default(Timeouts.parse({})).describe('Step timeouts of the sweep, in seconds.'),
    schedules: z
      .object({
        sweep: Schedule.default(Schedule.parse({})).describe('The weekly sweep (Sunday 03:00 UTC by default).'),
        proxy: Schedule.optional().describe('The proxy deploy; no schedule when absent.'),
      })
      .strict()
      .default({ sweep: Schedule.parse({}) }),
  })
  .strict()
  .superRefine((c, ctx) => {
    unique(
      c.recipes.map((r) => r.name),
      ['recipes'],
      'recipe',
      ctx,
    );
    unique(
      c.warm.map((w) => w.name),
      ['warm'],
      'warm app',
      ctx,
    );
    unique(
      c.nodes.map((n) => n.name),
      ['nodes'],
      'node',
      ctx,
    );
    c.nodes.forEach((n, i) => {
      if (n.taskQueue === c.temporal.taskQueue || c.nodes.findIndex((m) => m.taskQueue === n.taskQueue) !== i) {
        ctx.addIssue({ code: 'custom', path: ['nodes', i, 'taskQueue'], message: `task queue "${n.taskQueue}" is already used; each node needs its own` });
      }
    });
    if (!c.recipes.some((r) => r.enrolled)) {
      ctx.addIssue({ code: 'custom', path: ['recipes'], message: 'no recipe is enrolled: the sweep would silently do nothing' });
    }
    const warmNames = new Set(c.warm.map((w) => w.name));
    c.warm.forEach((w, i) =>
      w.after.forEach((dep, j) => {
        if (!warmNames.has(dep)) {
          ctx.addIssue({ code: 'custom', path: ['warm', i, 'after', j], message: `"${dep}" is not a warm app` });
        }
      }),
    );
    c.warm.forEach((w, i) => {
      if (w.health?.servedBy && !warmNames.has(w.health.servedBy)) {
        ctx.addIssue({ code: 'custom', path: ['warm', i, 'health', 'servedBy'], message: `"${w.health.servedBy}" is not a warm app` });
      }
    });
    // Who serves each gate: as declared, else inferred from the gate URL's host (the seed's deadlock declared nothing).
    const servers = c.warm.map((w) => ({ declared: w.health?.servedBy, inferred: w.health && inferServedBy(w.health.url, w.domain, c.warm) }));
    const nodes = c.warm.map((w, i) => ({
      name: w.name,
      after: w.after.filter((a) => warmNames.has(a)),
      servedBy: servers[i]!.declared ?? servers[i]!.inferred,
    }));
    for (const p of checkWarmGraph(nodes)) {
      const cycle = p.message.startsWith('warm apps form a cycle');
      const declared = servers[p.index]!.declared !== undefined;
      const field = cycle ? ['after'] : declared ? ['health', 'servedBy'] : ['health', 'url'];
      const why = cycle || declared ? '' : ` (its host is the domain of "${servers[p.index]!.inferred}")`;
      ctx.addIssue({ code: 'custom', path: ['warm', p.index, ...field], message: p.message + why });
    }
    if (c.proxy) {
      if (!warmNames.has(c.proxy.app)) {
        ctx.addIssue({ code: 'custom', path: ['proxy', 'app'], message: `"${c.proxy.app}" is not listed under warm` });
      } else if (c.warm[0]?.name !== c.proxy.app) {
        ctx.addIssue({ code: 'custom', path: ['warm', 0], message: `the proxy "${c.proxy.app}" must be the first warm app` });
      }
    }
  });
export type Config = z.infer<typeof Config>;

function unique(names: string[], path: (string | number)[], what: string, ctx: z.RefinementCtx): void {
  const seen = new Map<string, number>();
  names.forEach((n, i) => {
    if (seen.has(n)) ctx.addIssue({ code: 'custom', path: [...path, i, 'name'], message: `duplicate ${what} "${n}" (first at index ${seen.get(n)})` });
    else seen.set(n, i);
  });
}

/** One line per issue, each starting with the dotted field path. */
export function formatIssues(error: z.ZodError): string[] {
  return error.issues.map((i) => `${i.path.length ? i.path.join('.') : '(top level)'}: ${i.message}`);
}
