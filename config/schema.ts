import { z } from 'zod';
import { domainName, recipeName } from '../domain/names';
import { checkWarmGraph } from '../domain/warm-graph';

/**
 * The configuration file, validated before anything runs. Every error names
 * its field path (see formatIssues). Durations are whole seconds.
 */

const seconds = (def: number) => z.number().int().positive().max(7 * 24 * 3600).default(def);
const httpStatus = z.number().int().min(100).max(599);
const appName = recipeName;

/** An HTTP(S) health gate. `{domain}` in the url is replaced by the app's domain. */
export const HealthGate = z
  .object({
    url: z
      .string()
      .regex(/^https?:\/\/[^\s]+$/, 'must be an http:// or https:// URL (may contain {domain})'),
    /** Connect here instead of resolving the host name (curl --resolve semantics): SNI and Host stay the url's. */
    connectAddress: z.string().regex(/^[0-9a-fA-F.:]+$/, 'must be an IP address').optional(),
    allowedStatus: z.array(httpStatus).min(1).default([200]),
    intervalSeconds: seconds(2),
    deadlineSeconds: seconds(300),
    consecutive: z.number().int().min(1).max(100).default(1),
    requestTimeoutSeconds: seconds(5),
    /** A PEM CA bundle to trust for https gates (e.g. a test or internal CA). */
    caFile: z.string().optional(),
  })
  .strict();
export type HealthGate = z.infer<typeof HealthGate>;

const TestCommand = z
  .object({
    /** argv, run without a shell. `{domain}`, `{url}` and `{junit}` are substituted. */
    command: z.array(z.string().min(1)).min(1),
    timeoutSeconds: seconds(900),
  })
  .strict();

const Timeouts = z
  .object({
    mirrorSyncSeconds: seconds(180),
    /** One abra deploy/upgrade; a hung deploy (seen: 46 and 51 minutes) is cut off here. */
    deploySeconds: seconds(600),
    convergeSeconds: seconds(300),
    teardownSeconds: seconds(300),
    backupSeconds: seconds(900),
  })
  .strict();

export const Recipe = z
  .object({
    name: recipeName,
    /** Upstream git repository (URL or local path) the mirror follows. */
    upstream: z.string().min(1),
    enrolled: z.boolean().default(true),
    /** Why a recipe is not enrolled; required when enrolled is false. */
    exception: z.string().trim().min(1).optional(),
    health: HealthGate,
    test: TestCommand.optional(),
    includePrereleases: z.boolean().default(false),
    /** Per-recipe overrides, e.g. a longer deploy for a heavy recipe. */
    timeouts: Timeouts.partial().optional(),
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
    name: appName,
    recipe: recipeName,
    /** Upstream git repository of the app's recipe; its newest release tag is what gets deployed. */
    upstream: z.string().min(1),
    domain: domainName,
    /** Apps that must be up (and gated) before this one deploys. */
    after: z.array(appName).default([]),
    /** The app's own health gate; the proxy's must be a signal it serves itself (Traefik: /api/version). */
    health: HealthGate.extend({
      deadlineSeconds: seconds(900),
      /** Which warm app answers this gate's URL; it must be this app or come strictly before it. */
      servedBy: appName.optional(),
    }),
  })
  .strict();
export type WarmApp = z.infer<typeof WarmApp>;

const Schedule = z
  .object({
    /** Temporal calendar spec; defaults to Sunday 03:00. */
    dayOfWeek: z
      .enum(['SUNDAY', 'MONDAY', 'TUESDAY', 'WEDNESDAY', 'THURSDAY', 'FRIDAY', 'SATURDAY', '*'])
      .default('SUNDAY'),
    hour: z.number().int().min(0).max(23).default(3),
    minute: z.number().int().min(0).max(59).default(0),
    timezone: z.string().min(1).default('UTC'),
    /** How late a missed run may still start (the old timer's Persistent=true). */
    catchupWindowSeconds: seconds(6 * 24 * 3600),
    paused: z.boolean().default(false),
  })
  .strict();


export const Config = z
  .object({
    ciDomain: domainName,
    /** The abra server name apps are created on. */
    server: z.string().regex(/^[a-z0-9][a-z0-9.-]{0,252}$/, 'must be an abra server name like "default" or a host name'),
    /** Registry, run directories and alerts live here. */
    stateDir: z.string().min(1),
    abra: z
      .object({
        bin: z.string().min(1).default('abra'),
        /** ABRA_DIR: abra's servers/ and recipes/ live here. */
        dir: z.string().min(1),
      })
      .strict(),
    temporal: z
      .object({
        address: z.string().default('127.0.0.1:7233'),
        namespace: z.string().default('default'),
        taskQueue: z.string().regex(/^[A-Za-z0-9._-]+$/).default('coopci'),
        /** Where operators open the Web UI; links in output and reports point here. */
        uiUrl: z.string().regex(/^https?:\/\/\S+$/, 'must be an http(s) URL').default('http://127.0.0.1:8233'),
      })
      .strict()
      .default({ address: '127.0.0.1:7233', namespace: 'default', taskQueue: 'coopci', uiUrl: 'http://127.0.0.1:8233' }),
    recipes: z.array(Recipe).min(1, 'list at least one recipe: an empty sweep would silently do nothing'),
    sweep: z
      .object({
        /** Recipes tested at once; a node runs one cold deploy at a time, so 1 by default. */
        lanes: z.number().int().min(1).max(32).default(1),
        order: z.enum(['config', 'alphabetical']).default('config'),
      })
      .strict()
      .default({ lanes: 1, order: 'config' }),
    warm: z.array(WarmApp).default([]),
    /** Which warm app is the reverse proxy (deployed first, by `coopci proxy deploy` and its schedule). */
    proxy: z.object({ app: appName }).strict().optional(),
    timeouts: Timeouts.default(Timeouts.parse({})),
    schedules: z
      .object({ sweep: Schedule.default(Schedule.parse({})), proxy: Schedule.optional() })
      .strict()
      .default({ sweep: Schedule.parse({}) }),
  })
  .strict()
  .superRefine((c, ctx) => {
    unique(c.recipes.map((r) => r.name), ['recipes'], 'recipe', ctx);
    unique(c.warm.map((w) => w.name), ['warm'], 'warm app', ctx);
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
    for (const p of checkWarmGraph(c.warm.map((w) => ({ name: w.name, after: w.after.filter((a) => warmNames.has(a)), servedBy: w.health?.servedBy })))) {
      const field = p.message.startsWith('warm apps form a cycle') ? ['after'] : ['health', 'servedBy'];
      ctx.addIssue({ code: 'custom', path: ['warm', p.index, ...field], message: p.message });
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
