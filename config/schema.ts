import { z } from 'zod';
import { domainName, recipeName, recipeVersion } from '../domain/names';
import { findNeedsCycle, needEnvProblem } from '../domain/needs';
import { checkWarmGraph, inferServedBy } from '../domain/warm-graph';
import { Notifications } from './notifications';
import { parseSize } from '../domain/size';
import { parseCron } from '../domain/cron';

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

/**
 * How the backup and restore tiers know the data round-trips: `seed` writes a
 * marker into the app's data, `verify` says whether the data holds it. Needed
 * for dump-style backups (a database dumped by a hook), where coopci's default
 * marker file on the volume is not what the backup saves.
 */
const argv = (field: 'seed' | 'verify') =>
  z
    .array(z.string().min(1, `an empty argument in backup.${field}`), {
      error: (iss) =>
        iss.input === undefined
          ? `backup needs both seed and verify: backup.${field} is missing`
          : `backup.${field} must be an argv: a list of strings, e.g. ["sh", "-c", "…"]`,
    })
    .min(1, `backup.${field} needs a command: an empty argv runs nothing`);
const BackupCheck = z
  .object({
    seed: argv('seed').describe(
      "argv that writes `{marker}` into the app's data (e.g. through `{abra} app run`); run without a shell in the config file's directory with ABRA_DIR set. `{domain}`, `{url}`, `{version}`, `{recipe}`, `{marker}` and `{abra}` are substituted.",
    ),
    verify: argv('verify').describe("argv that exits 0 if and only if the app's data holds `{marker}`; run and substituted as `seed`."),
    timeoutSeconds: seconds(120, 3600).describe('One run of seed or verify fails the tier when it runs longer (at most 3600).'),
  })
  .strict();

const Timeouts = z
  .object({
    mirrorSyncSeconds: seconds(180).describe('Fetching upstream into the mirror.'),
    deploySeconds: seconds(600).describe('One abra deploy or upgrade; a hung deploy (seen: 46 and 51 minutes) is cut off here.'),
    convergeSeconds: seconds(300).describe('Waiting for Swarm to run every service of a deployed app.'),
    teardownSeconds: seconds(300).describe('Removing a cold app with its secrets and volumes.'),
    backupSeconds: seconds(900).describe('One abra backup or restore.'),
    heartbeatSeconds: z
      .number()
      .int()
      .min(6)
      .max(600)
      .default(20)
      .describe(
        'How long a step may go without a heartbeat (steps send one every 2 s) before Temporal counts its worker as dead and runs the step again on another: how soon a crashed worker is noticed. At least 6 (three missed heartbeats).',
      ),
  })
  .strict();

const tierTimeout = z
  .number()
  .int()
  .positive()
  .max(24 * 3600)
  .optional()
  .describe('The tier fails (red, reported as timed out) when it runs longer; its steps keep their own timeouts too.');

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
    timeoutSeconds: tierTimeout,
  })
  .strict()
  .superRefine((t, ctx) => {
    if (t.expected && !t.reason) ctx.addIssue({ code: 'custom', path: ['reason'], message: 'expected: n/a needs a reason saying why the tier never applies' });
    if (!t.expected && t.reason) ctx.addIssue({ code: 'custom', path: ['expected'], message: 'a reason goes with expected: n/a' });
  });

// install can have a timeout but never be n/a: every other tier needs the installed app.
const InstallPolicy = z.strictObject(
  { timeoutSeconds: tierTimeout },
  { error: (iss) => (iss.code === 'unrecognized_keys' ? 'install always runs (every other tier needs it): it takes only timeoutSeconds' : undefined) },
);
const TierPolicies = z
  .object({
    install: InstallPolicy.optional(),
    upgrade: TierPolicy.optional(),
    backup: TierPolicy.optional(),
    restore: TierPolicy.optional(),
    custom: TierPolicy.optional(),
  })
  .strict();

/** A recipe this one needs running during its cold run (a Drone needs a Gitea). */
const Need = z
  .object({
    recipe: recipeName.describe('The recipe needed: one listed under `recipes` (enrolled or not; it is not tested here, only deployed).'),
    env: z
      .string()
      .superRefine((v, ctx) => {
        const problem = needEnvProblem(v);
        if (problem) ctx.addIssue({ code: 'custom', message: problem });
      })
      .describe("The variable of this recipe's app env file that gets the dependency's domain, e.g. `GITEA_DOMAIN` (`^[A-Z][A-Z0-9_]*$`)."),
  })
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
    tiers: TierPolicies.optional().describe('Per-tier policy: a tier expected n/a, with why (install always runs), and a timeout per tier.'),
    backup: BackupCheck.optional().describe(
      'How the backup/restore tiers prove the data round-trips (seed a marker, back up, change it, restore, verify). Absent: coopci writes a marker file at the root of the first volume of the first service labelled backupbot.backup=true, which a dump-style backup (a database) does not save: such recipes need `backup.seed`/`backup.verify`.',
    ),
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
    needs: z
      .array(Need)
      .optional()
      .describe(
        "Recipes deployed (and torn down) with this one's cold run, dependencies of dependencies first: each at its canonical's version, else its latest release, on a domain of its own, passed to this recipe's env file in `env`.",
      ),
  })
  .strict()
  .superRefine((r, ctx) => {
    (r.needs ?? []).forEach((n, j, all) => {
      if (all.findIndex((m) => m.env === n.env) !== j)
        ctx.addIssue({ code: 'custom', path: ['needs', j, 'env'], message: `"${n.env}" is already set by another need` });
      if (all.findIndex((m) => m.recipe === n.recipe) !== j)
        ctx.addIssue({ code: 'custom', path: ['needs', j, 'recipe'], message: `"${n.recipe}" is already needed` });
    });
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
    cron: z.string().optional().describe('A cron expression (`0 3 * * SUN`, `@weekly`) in `timezone`, instead of dayOfWeek/hour/minute.'),
    dayOfWeek: z
      .enum(['SUNDAY', 'MONDAY', 'TUESDAY', 'WEDNESDAY', 'THURSDAY', 'FRIDAY', 'SATURDAY', '*'])
      .optional()
      .describe('Day of a Temporal calendar spec; `*` for every day (default SUNDAY).'),
    hour: z.number().int().min(0).max(23).optional().describe('Hour of the day, in `timezone` (default 3).'),
    minute: z.number().int().min(0).max(59).optional().describe('Minute of the hour (default 0).'),
    timezone: z.string().min(1).default('UTC').describe('IANA time zone name of the calendar.'),
    catchupWindowSeconds: seconds(6 * 24 * 3600).describe("How late a missed run may still start (the old timer's Persistent=true)."),
    paused: z.boolean().default(false).describe('Create or keep the schedule paused.'),
  })
  .strict()
  .superRefine((s, ctx) => {
    if (s.cron === undefined) return;
    if (s.dayOfWeek !== undefined || s.hour !== undefined || s.minute !== undefined)
      ctx.addIssue({ code: 'custom', path: ['cron'], message: 'give either cron or dayOfWeek/hour/minute, not both' });
    const parsed = parseCron(s.cron);
    if ('problem' in parsed) ctx.addIssue({ code: 'custom', path: ['cron'], message: parsed.problem });
  });

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
    canonicals: z
      .object({
        diskBudget: z
          .union([z.string(), z.number()])
          .optional()
          .transform((v, ctx) => {
            if (v === undefined) return undefined;
            const bytes = parseSize(v);
            if (bytes === null || bytes === 0) {
              ctx.addIssue({ code: 'custom', message: `must be a size such as "20GiB", "500MB" or a number of bytes, not ${JSON.stringify(v)}` });
              return z.NEVER;
            }
            return bytes;
          })
          .describe(
            "The most the canonicals' volumes may hold together (e.g. `20GiB`). A new seed whose cold app's data would go past it is refused (SKIPPED disk-budget); no budget when absent.",
          ),
      })
      .strict()
      .default({ diskBudget: undefined })
      .describe('Canonicals: their disk budget.'),
    schedules: z
      .object({
        sweep: Schedule.default(Schedule.parse({})).describe('The weekly sweep (Sunday 03:00 UTC by default).'),
        proxy: Schedule.optional().describe('The proxy deploy; no schedule when absent.'),
        converge: Schedule.optional().describe('The warm converge (every warm app kept at its latest healthy release, in order); no schedule when absent.'),
      })
      .strict()
      .default({ sweep: Schedule.parse({}) }),
    notifications: Notifications.default({ webhooks: [] }).describe(
      'Webhooks that alerts, their resolution and sweep summaries are posted to (see README, "Notifications"). Their URLs stay on the worker.',
    ),
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
    // Cold-run dependencies: each names a recipe of the config, and none needs itself, directly or not.
    const recipeNames = new Set(c.recipes.map((r) => r.name));
    c.recipes.forEach((r, i) =>
      (r.needs ?? []).forEach((n, j) => {
        if (!recipeNames.has(n.recipe))
          ctx.addIssue({ code: 'custom', path: ['recipes', i, 'needs', j, 'recipe'], message: `"${n.recipe}" is not a recipe in recipes` });
      }),
    );
    const cycle = findNeedsCycle(c.recipes);
    if (cycle) {
      // Reported on the first recipe of the cycle, at its need that goes round.
      const i = c.recipes.findIndex((r) => r.name === cycle[0]);
      const j = c.recipes[i]!.needs!.findIndex((n) => n.recipe === cycle[1]);
      ctx.addIssue({ code: 'custom', path: ['recipes', i, 'needs', j], message: `cycle ${cycle.join(' → ')}` });
    }
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
