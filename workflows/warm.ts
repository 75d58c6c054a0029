import {
  CancellationScope,
  isCancellation,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { Alert } from '../domain/warm-records';
import type { Activities } from './activity-types';
import { sideEffectCancellation } from './cancellation';
import { causeMessage } from './errors';
import { SA } from './search-attributes';
import { abortSignal, warmStatusQuery } from './signals';
import type { WarmDeployResult, WarmPhase } from './types';

const setup = proxyActivities<Activities>({ startToCloseTimeout: '5 minutes', retry: { maximumAttempts: 3, initialInterval: '2s' } });

/**
 * The health-gated deploy of a warm app (the proxy by default): deploy the
 * latest release, gate it on a signal the app serves itself, then record
 * last-good, or roll back to last-good and raise an alert.
 */
export async function warmDeployWorkflow(input: { app?: string } = {}): Promise<WarmDeployResult> {
  const { workflowId, startTime } = workflowInfo();
  let phase: WarmPhase = 'loading';
  let abortReason: string | null = null;
  const gateScope = new CancellationScope();
  setHandler(warmStatusQuery, () => ({ phase, abortReason }));
  setHandler(abortSignal, (reason) => {
    abortReason = reason || 'aborted by operator';
    gateScope.cancel();
  });
  const step = (p: WarmPhase, details: string) => {
    phase = p;
    setCurrentDetails(`**${p}** — ${details}`);
    upsertSearchAttributes([{ key: SA.phase, value: p }]);
  };

  const w = await setup.loadWarmApp.executeWithOptions({ summary: 'load config' }, [input]);
  const t = w.env.timeouts;
  const acts = proxyActivities<Activities>({
    startToCloseTimeout: `${t.mirrorSyncSeconds + t.deploySeconds + t.convergeSeconds + 60}s`,
    heartbeatTimeout: '20s',
    retry: { maximumAttempts: 3, initialInterval: '5s' },
    cancellationType: sideEffectCancellation(),
  });
  const gate = proxyActivities<Activities>({
    startToCloseTimeout: `${w.app.health.deadlineSeconds + w.app.health.requestTimeoutSeconds + 60}s`,
    heartbeatTimeout: '20s',
    retry: { maximumAttempts: 3, initialInterval: '2s' },
  });
  upsertSearchAttributes([
    { key: SA.kind, value: 'warm' },
    { key: SA.recipe, value: w.app.name },
  ]);

  step('deploying', `finding the latest release of ${w.app.recipe}`);
  const version = await acts.latestWarmRelease.executeWithOptions({ summary: `mirror-sync ${w.app.recipe}` }, [w]);
  upsertSearchAttributes([{ key: SA.version, value: version }]);
  const lastGood = (await acts.readLastGood(w))?.version ?? null;
  step('deploying', `${w.app.name} ${version} (last good: ${lastGood ?? 'none'})`);
  const verdict = await gateScope
    .run(async () => {
      try {
        await acts.deployWarm.executeWithOptions({ summary: `deploy ${w.app.name} ${version}` }, [{ ...w, version }]);
      } catch (e) {
        if (isCancellation(e)) throw e;
        return { healthy: false, attempts: 0, elapsedMs: 0, last: `deploy failed: ${causeMessage(e)}` };
      }
      step('gating', `${w.app.health.url} until ${w.app.health.consecutive} passes in a row, at most ${w.app.health.deadlineSeconds}s`);
      return gate.gateWarm.executeWithOptions({ summary: `health gate ${w.app.name} ${version}` }, [w]);
    })
    .catch((e) => {
      if (isCancellation(e)) return null; // aborted: rolled back like an unhealthy release
      throw e;
    });

  return CancellationScope.nonCancellable(async () => {
    const finish = (r: Omit<WarmDeployResult, 'workflowId' | 'app' | 'version'>): WarmDeployResult => {
      step('done', `${r.outcome}: ${r.reason}`);
      upsertSearchAttributes([{ key: SA.label, value: r.outcome }]);
      return { workflowId, app: w.app.name, version, ...r };
    };
    if (verdict?.healthy) {
      await acts.recordLastGood({ ...w, version });
      return finish({ outcome: 'HEALTHY', lastGood: version, alert: null, reason: `healthy after ${verdict.attempts} probes (${Math.round(verdict.elapsedMs / 1000)}s)` });
    }
    const why = verdict ? `unhealthy on ${version}: ${verdict.last} after ${Math.round(verdict.elapsedMs / 1000)}s` : `aborted: ${abortReason}`;
    const alert = async (reason: Alert['reason'], state: string) => {
      const ts = startTime.toISOString();
      const key = `${ts.replace(/[-:.]/g, '')}-${w.app.name}-${reason}`;
      return acts.writeAlert.executeWithOptions({ summary: `alert ${reason}` }, [{ env: w.env, key, alert: { app: w.app.name, reason, ts, version, lastGood, state } }]);
    };
    if (!lastGood) {
      const state = `${w.app.name} left at ${version}, unhealthy; no last-good version to roll back to`;
      return finish({ outcome: 'FAILED', lastGood: null, alert: verdict ? await alert('unhealthy-no-last-good', state) : null, reason: `${why}; ${state}` });
    }
    if (lastGood === version) {
      const state = `${w.app.name} at its last-good version ${version}, which is now unhealthy`;
      return finish({ outcome: 'FAILED', lastGood, alert: verdict ? await alert('unhealthy-on-last-good', state) : null, reason: `${why}; ${state}` });
    }
    step('rolling-back', `${w.app.name} back to ${lastGood}`);
    await acts.deployWarm.executeWithOptions({ summary: `roll back ${w.app.name} to ${lastGood}` }, [{ ...w, version: lastGood }]);
    const again = await gate.gateWarm.executeWithOptions({ summary: `health gate ${w.app.name} ${lastGood} (rollback)` }, [w]);
    if (!again.healthy) {
      const state = `${w.app.name} rolled back to ${lastGood}, which is unhealthy too (${again.last})`;
      return finish({ outcome: 'FAILED', lastGood, alert: await alert('unhealthy-after-rollback', state), reason: `${why}; ${state}` });
    }
    const state = `${w.app.name} serving last-good ${lastGood} again`;
    return finish({ outcome: 'ROLLED_BACK', lastGood, alert: verdict ? await alert('unhealthy-on-latest', state) : null, reason: `${why}; ${state}` });
  });
}
