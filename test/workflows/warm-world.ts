/**
 * A scripted world for warm deploys: per app, its latest release, its
 * last-good record, its rejected releases and which versions pass the health
 * gate. The records change as deploys write them, so a second deploy sees
 * what the first one left. The gate mock answers for the version the app was
 * last deployed at, so a rollback is gated on the rolled-back version. The
 * deploy lock is the real one (its activities read and clear it through the
 * test worker's client).
 */
import { Context } from '@temporalio/activity';
import type { WarmApp } from '../../config/schema';
import type { WarmNode } from '../../domain/warm-graph';
import type { Rejection } from '../../domain/warm-records';
import { warmLockActivities } from '../../activities/warm-activities';
import { CallLog, env, fail, pause, type Hold, type Mocks } from './harness';

export interface WarmScript {
  latest: string;
  lastGood: string | null;
  /** Versions that pass the gate. */
  healthy: string[];
  /** Release tags besides latest and last-good (a --version must be one). */
  releases?: string[];
  /** Releases rejected by earlier deploys. */
  rejected?: Rejection[];
  /** Versions whose deploy fails (non-retryably). */
  deployFails?: string[];
  /** Versions whose gate activity itself fails (a timeout, a lost worker), as opposed to reporting unhealthy. */
  gateFails?: string[];
  /** The gate of the latest release stops here until cancelled (or released). */
  gateHold?: Hold;
  /** Each gate takes this long (so overlapping deploys would show). */
  gateMs?: number;
  /** How long a deploy waits for another deploy of the app (default: as long as the test takes). */
  lockWaitSeconds?: number;
  /** Apps this one comes after (converge). */
  after?: string[];
}

const warmApp = (name: string, after: string[]): WarmApp => ({
  name,
  recipe: `${name}-recipe`,
  upstream: `/nonexistent/upstream/${name}`,
  domain: `${name}.ci.test.local`,
  after,
  health: { url: 'https://{domain}/ping', allowedStatus: [200], intervalSeconds: 1, deadlineSeconds: 10, consecutive: 2, requestTimeoutSeconds: 2 },
});

/** When an activity of a deploy ran: [start, end] in ms since the epoch. */
export interface Span {
  workflowId: string;
  activity: 'deployWarm' | 'gateWarm';
  start: number;
  end: number;
}

export function warmWorld(scripts: Record<string, WarmScript>) {
  const log = new CallLog();
  const script = (name: string) => scripts[name]!;
  /** The version each app was last deployed at. */
  const deployed = new Map<string, string>();
  const lastGood = new Map(Object.entries(scripts).map(([name, s]) => [name, s.lastGood]));
  const rejected = new Map(Object.entries(scripts).map(([name, s]) => [name, [...(s.rejected ?? [])]]));
  const spans: Span[] = [];
  const timed = async <T>(activity: Span['activity'], body: () => Promise<T>): Promise<T> => {
    const start = Date.now();
    try {
      return await body();
    } finally {
      spans.push({ workflowId: Context.current().info.workflowExecution?.workflowId ?? '', activity, start, end: Date.now() });
    }
  };

  const mocks: Mocks = {
    ...warmLockActivities,
    async loadWarmApp({ app }) {
      const s = script(app!);
      return {
        env,
        app: warmApp(app!, s.after ?? []),
        digest: 'digest-1',
        lockWaitSeconds: s.lockWaitSeconds ?? 120,
        deployCommand: `coopci warm deploy ${app}`,
      };
    },
    async loadWarmGraph(): Promise<WarmNode[]> {
      return Object.entries(scripts).map(([name, s]) => ({ name, after: s.after ?? [] }));
    },
    async latestWarmRelease({ app, requested }) {
      const s = script(app.name);
      const tags = [s.latest, ...(s.lastGood ? [s.lastGood] : []), ...(s.releases ?? [])];
      if (requested !== undefined && !tags.includes(requested)) throw fail(`${requested} is not a release of ${app.recipe} (latest: ${s.latest})`);
      return s.latest;
    },
    async readLastGood({ app }) {
      const version = lastGood.get(app.name);
      return version ? { app: app.name, version, ts: '2026-01-01T00:00:00.000Z' } : null;
    },
    async readRejectedReleases({ app }) {
      return [...rejected.get(app.name)!];
    },
    async rejectWarmRelease({ app, rejection }) {
      const list = rejected.get(app)!;
      if (!list.some((r) => r.version === rejection.version)) list.push(rejection);
    },
    async resolveWarmAlerts() {
      return [];
    },
    async deployWarm({ app, version }) {
      return timed('deployWarm', async () => {
        if (script(app.name).deployFails?.includes(version)) throw fail(`abra deploy ${version} exited 1`);
        deployed.set(app.name, version);
        return 'deployed' as const;
      });
    },
    async gateWarm({ app }) {
      return timed('gateWarm', async () => {
        const s = script(app.name);
        const version = deployed.get(app.name)!;
        if (version === s.latest) await s.gateHold?.wait();
        if (s.gateMs) await pause(s.gateMs);
        if (s.gateFails?.includes(version)) throw fail(`activity Heartbeat timeout on ${version}`);
        return s.healthy.includes(version)
          ? { healthy: true, attempts: 2, elapsedMs: 2_000, last: '200 OK' }
          : { healthy: false, attempts: 10, elapsedMs: 10_000, last: 'ECONNREFUSED' };
      });
    },
    async recordLastGood({ app, version }) {
      lastGood.set(app.name, version);
      rejected.set(
        app.name,
        rejected.get(app.name)!.filter((r) => r.version !== version),
      );
      return { app: app.name, version, ts: '2026-01-02T00:00:00.000Z' };
    },
    async writeAlert({ key }) {
      return `/nonexistent/state/alerts/${key}.json`;
    },
  };

  return {
    log,
    mocks: log.record(mocks),
    spans,
    /** The app's rejected releases as the deploys left them. */
    rejected: (app: string) => rejected.get(app)!,
    /** The versions an app was deployed at, in order. */
    deploys: (app: string) =>
      log
        .of('deployWarm')
        .filter((i) => i.app.name === app)
        .map((i) => i.version),
  };
}
