import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import type { Config } from '../config/schema';
import { SA } from '../contract/search-attributes';
import type { RecipeResult } from '../contract/types';
import { runDirOf } from '../domain/run-layout';
import { uiLink } from './sweep';
import { temporalSettings } from '../config/temporal';

/** One run of a recipe, as `coopci history` shows it. */
export interface HistoryEntry {
  workflowId: string;
  /** The sweep (or on-demand run) it belonged to. */
  sweepId: string | null;
  /** Running, completed, failed, terminated, … (Temporal's view). */
  status: string;
  startedAt: string;
  durationMs: number | null;
  label: string | null;
  version: string | null;
  /** Tiers that passed only on a re-run. */
  flaky: string[];
  reason: string | null;
  /** Per tier: status and duration, from the run directory's result.json. */
  tiers: { tier: string; status: string; durationMs: number }[];
  ui: string;
}

/**
 * A recipe's runs, newest first: sweeps' and on-demand ones, from Temporal's
 * visibility (what ran, its label and version as search attributes) and the
 * run directories (reason and tiers, kept after Temporal's retention drops
 * the workflow). A week the sweep settled from its own look (nothing new:
 * SKIPPED, no recipe workflow) is listed from that sweep's run directory.
 * Older runs than the namespace's retention are not listed.
 */
export async function recipeHistory(client: Client, config: Config, recipe: string, last: number): Promise<HistoryEntry[]> {
  const out: HistoryEntry[] = [];
  // This installation's runs only: its task queues (the main one, and each scale-out node's), as a namespace may hold others.
  const queues = [temporalSettings(config).taskQueue, ...config.nodes.map((n) => n.taskQueue)].map((q) => `'${q}'`).join(', ');
  const query = `${SA.recipe.name} = '${recipe.replaceAll("'", '')}' AND ${SA.kind.name} = 'recipe' AND TaskQueue IN (${queues})`;
  for await (const w of client.workflow.list({ query, pageSize: Math.min(last, 100) })) {
    const sa = w.typedSearchAttributes;
    const sweepId = sa.get(SA.sweepId) ?? null;
    const result = sweepId ? await readResult(config.stateDir, sweepId, recipe, w.workflowId) : null;
    out.push({
      workflowId: w.workflowId,
      sweepId,
      status: w.status.name.toLowerCase(),
      startedAt: w.startTime.toISOString(),
      durationMs: w.closeTime ? w.closeTime.getTime() - w.startTime.getTime() : null,
      label: sa.get(SA.label) ?? null,
      version: sa.get(SA.version) ?? null,
      flaky: (sa.get(SA.flaky) ?? '').split(',').filter(Boolean),
      reason: result?.reason ?? null,
      tiers: (result?.tiers ?? []).map((t) => ({ tier: t.tier, status: t.status, durationMs: t.durationMs })),
      ui: uiLink(config, w.workflowId),
    });
    if (out.length >= last) break;
  }
  out.push(...(await settledBySweeps(client, config, queues, recipe, last)));
  return out.sort((a, b) => b.startedAt.localeCompare(a.startedAt)).slice(0, last);
}

/** The recipe's results that sweeps settled themselves (the result names the sweep as its workflow), from the newest sweeps. */
async function settledBySweeps(client: Client, config: Config, queues: string, recipe: string, last: number): Promise<HistoryEntry[]> {
  const out: HistoryEntry[] = [];
  const seen = new Set<string>();
  // A long sweep continues as new: one entry per sweep, whichever of its runs is listed.
  for await (const w of client.workflow.list({ query: `${SA.kind.name} = 'sweep' AND TaskQueue IN (${queues})`, pageSize: Math.min(last, 100) })) {
    if (seen.has(w.workflowId)) continue;
    seen.add(w.workflowId);
    const r = await readResult(config.stateDir, w.workflowId, recipe, w.workflowId);
    if (r) {
      out.push({
        workflowId: w.workflowId,
        sweepId: w.workflowId,
        status: 'completed',
        startedAt: r.startedAt,
        durationMs: Date.parse(r.endedAt) - Date.parse(r.startedAt),
        label: r.label,
        version: r.version,
        flaky: [],
        reason: r.reason,
        tiers: [],
        ui: uiLink(config, w.workflowId),
      });
    }
    if (seen.size >= last) break;
  }
  return out;
}

/** The run directory's result.json, when it is this workflow's (a retry writes the same directory). */
async function readResult(stateDir: string, sweepId: string, recipe: string, workflowId: string): Promise<RecipeResult | null> {
  const text = await readFile(path.join(runDirOf(stateDir, sweepId, recipe), 'result.json'), 'utf8').catch(() => null);
  if (!text) return null;
  const r = JSON.parse(text) as RecipeResult;
  return r.workflowId === workflowId ? r : null;
}
