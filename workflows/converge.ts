import { executeChild, proxyActivities, setCurrentDetails, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import { blockedBy, deployOrder } from '../domain/warm-graph';
import { convergeOutcome } from '../domain/warm-outcome';
import type { Activities } from './activity-types';
import { causeMessage } from './errors';
import { SA } from '../contract/search-attributes';
import type { ConvergeResult, WarmAppOutcome, WarmDeployResult } from '../contract/types';
import { warmDeployWorkflow } from './warm';

const acts = proxyActivities<Activities>({ startToCloseTimeout: '2 minutes', retry: { maximumAttempts: 3, initialInterval: '2s' } });

/**
 * Brings the warm infrastructure up in dependency order (the proxy first),
 * each app through the same health gate and rollback as the proxy deploy.
 * An app that does not come up stops the apps after it, not independent ones.
 */
export async function convergeWorkflow(): Promise<ConvergeResult> {
  const { workflowId } = workflowInfo();
  upsertSearchAttributes([{ key: SA.kind, value: 'converge' }]);
  const graph = await acts.loadWarmGraph.executeWithOptions({ summary: 'load warm apps' }, []);
  const byName = new Map(graph.map((n) => [n.name, n]));
  const outcomes = new Map<string, WarmAppOutcome>();
  /** What the blocking rule reads per app: a rejected release skipped with last-good serving counts as up. */
  const upAs = new Map<string, string>();

  for (const app of deployOrder(graph)) {
    const blocked = blockedBy(byName.get(app)!.after, (dep) => upAs.get(dep));
    if (blocked) {
      outcomes.set(app, { app, outcome: 'SKIPPED', version: null, reason: `${blocked} did not come up` });
      continue;
    }
    setCurrentDetails(`deploying **${app}** (${outcomes.size + 1}/${graph.length})`);
    try {
      const r: WarmDeployResult = await executeChild(warmDeployWorkflow, {
        workflowId: `${workflowId}/${app}`,
        args: [{ app }],
        staticSummary: `health-gated deploy of ${app} (converge ${workflowId})`,
        typedSearchAttributes: [
          { key: SA.kind, value: 'warm' },
          { key: SA.recipe, value: app },
        ],
      });
      outcomes.set(app, { app, outcome: r.outcome, version: r.version, reason: r.reason });
      upAs.set(app, convergeOutcome(r));
    } catch (e) {
      outcomes.set(app, { app, outcome: 'FAILED', version: null, reason: causeMessage(e) });
    }
  }
  const apps = graph.map((n) => outcomes.get(n.name)!);
  setCurrentDetails(apps.map((a) => `${a.app}: ${a.outcome}`).join(', '));
  return { workflowId, apps };
}
