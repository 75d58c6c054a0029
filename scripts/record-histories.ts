/**
 * Records the event histories of a finished sweep and its recipe workflows
 * into test/histories/, for the replay test (test/replay.test.ts). Run it
 * against a server where a representative sweep completed, e.g. after
 * `npm start`:  npx tsx scripts/record-histories.ts [SWEEP_ID] [--address HOST:PORT] [--tag v2] [--sweep-only]
 * (--sweep-only: just the sweep and its recipes, not the gated deploys and converge).
 * Recordings are added, never replaced by accident: after a workflow change,
 * record under a new --tag and keep the old files, since they are what
 * executions started before the change look like.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { execa } from 'execa';
import { temporalBin } from './dev-server';
import { SA } from '../contract/search-attributes';

const { values, positionals } = parseArgs({
  options: { address: { type: 'string', default: '127.0.0.1:7233' }, tag: { type: 'string' }, 'sweep-only': { type: 'boolean' } },
  allowPositionals: true,
});
const client = new Client({ connection: await Connection.connect({ address: values.address }) });
const dir = fileURLToPath(new URL('../test/histories/', import.meta.url));

let sweepId = positionals[0];
if (!sweepId) {
  for await (const w of client.workflow.list({ query: `${SA.kind.name} = 'sweep' AND ExecutionStatus = 'Completed'`, pageSize: 1 })) {
    sweepId = w.workflowId;
    break;
  }
}
if (!sweepId) throw new Error('no completed sweep found; run one first (npm start)');

const ids = [sweepId];
const indexFile = path.join(dir, 'index.json');
const index = JSON.parse(await readFile(indexFile, 'utf8').catch(() => '{}')) as Record<string, string>;
for await (const w of client.workflow.list({ query: `${SA.sweepId.name} = '${sweepId}' AND ${SA.kind.name} = 'recipe'` })) ids.push(w.workflowId);
// The gated deploys and the converge (with its per-app children) the quick start ran, when present.
for await (const w of client.workflow.list({ query: `${SA.kind.name} IN ('warm', 'converge') AND ExecutionStatus = 'Completed'` })) {
  if (!values['sweep-only'] && !ids.includes(w.workflowId)) ids.push(w.workflowId);
}
for (const id of ids) {
  // The temporal CLI's JSON is the format the SDK's replayer reads (historyFromJSON).
  const { stdout } = await execa(temporalBin(), ['workflow', 'show', '--address', values.address, '--workflow-id', id, '--output', 'json']);
  const file = path.join(dir, `${values.tag ? `${values.tag}-` : ''}${id.replace(/^sweep-\d[^/]*/, 'sweep').replaceAll('/', '--')}.json`);
  await writeFile(file, stdout);
  index[path.basename(file)] = id;
  console.log(`${id} → ${path.relative(process.cwd(), file)} (${(JSON.parse(stdout) as { events: unknown[] }).events.length} events)`);
}
// Replay needs each history's original workflow id.
await writeFile(indexFile, `${JSON.stringify(index, null, 2)}\n`);
