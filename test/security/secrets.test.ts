/**
 * Planted secrets appear nowhere. abra prints the secrets it generates (one
 * recipe's `app new` then fails, so that output would become its error); the
 * worker's environment holds an API key and a password, which another
 * recipe's own failing test command prints, bare and as KEY=value. None of
 * these values may appear in any workflow history (fetched through the
 * client, payloads decoded), the worker's log output, the run directory
 * (reports, results, JUnit) or the alerts.
 */
import { spawn } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { startSweep } from '../../client/sweep';
import { SA } from '../../contract/search-attributes';
import { makeFixture, REPO } from '../helpers/fixture';
import { endRunningSweep, testClient } from '../helpers/temporal';

const API_KEY = 'planted-api-key-7f3e9c2a1b';
const PASSWORD = 'planted-password-d41d8cd9';

/** JSON.stringify replacer: payload data (base64 in a fetched history, or bytes) becomes its text. */
function decodePayloadBytes(key: string, v: unknown): unknown {
  if (key === 'data' && typeof v === 'string') return Buffer.from(v, 'base64').toString('utf8');
  if (v instanceof Uint8Array) return Buffer.from(v).toString('utf8');
  return v;
}

async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...(await filesUnder(p)));
    else out.push(p);
  }
  return out;
}

describe('secrets', () => {
  afterAll(() => endRunningSweep());

  it('appear in no history, log, report or alert', async () => {
    const f = await makeFixture('secrets', [
      // abra prints the secrets it generates; this one's `app new` then fails, so its output would be the error.
      { name: 'leaky', from: 'hello', upTo: '1.0.0+1.0' },
      {
        name: 'hello',
        from: 'hello',
        upTo: '1.0.0+1.0',
        extra: { test: { command: ['sh', '-c', 'echo "login with $SMTP_PASSWORD, key $HOOK_API_KEY"; echo "HOOK_API_KEY=$HOOK_API_KEY" >&2; exit 1'] } },
      },
    ]);
    let log = '';
    const worker = spawn(process.execPath, [path.join(REPO, 'bin/coopci.mjs'), 'worker', '--config', f.configFile], {
      env: {
        ...process.env,
        COOPCI_WORKFLOW_BUNDLE: inject('workflowBundlePath'),
        ABRA_LEDGER: f.ledger,
        HOOK_API_KEY: API_KEY,
        SMTP_PASSWORD: PASSWORD,
        ABRA_LOCAL_FAIL_ON: '^app new leaky ',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    worker.stdout.on('data', (d) => (log += d));
    worker.stderr.on('data', (d) => (log += d));
    try {
      const client = await testClient();
      const handle = await startSweep(client, f.loaded.config);
      const result = await handle.result();
      const hello = result.results.find((r) => r.recipe === 'hello')!;
      const leaky = result.results.find((r) => r.recipe === 'leaky')!;
      expect(leaky.reason).toMatch(/^install: abra app new leaky: exited 1: output withheld/);
      const generated = (await readFile(`${f.ledger}.secrets`, 'utf8')).split('\n').filter(Boolean);
      expect(generated.length).toBeGreaterThanOrEqual(2); // leaky's and hello's (cold and warm)
      // The command never saw the worker's secrets: commands get an allow-listed environment (it printed them empty).
      expect(hello).toMatchObject({ label: 'FAILED' });
      expect(hello.reason).toMatch(/^custom: test command sh: exited 1: HOOK_API_KEY=/);
      const full = JSON.parse(await readFile(path.join(f.stateDir, 'runs', handle.workflowId, 'hello', 'result.json'), 'utf8')) as { reason: string };
      expect(full.reason).toMatch(/ with , key(\n| \(|$)/); // both values empty

      const ids = [handle.workflowId];
      for await (const w of client.workflow.list({ query: `${SA.sweepId.name} = '${handle.workflowId}'` })) ids.push(w.workflowId);
      expect(ids).toContain(`${handle.workflowId}/hello`);
      const histories = await Promise.all(ids.map(async (id) => JSON.stringify(await client.workflow.getHandle(id).fetchHistory(), decodePayloadBytes)));
      const everything = [
        ...histories.map((h, i) => [`history of ${ids[i]}`, h]),
        ['worker log', log],
        ...(await Promise.all((await filesUnder(f.stateDir)).map(async (p) => [p, await readFile(p, 'utf8')]))),
      ] as [string, string][];
      expect(histories.join('')).toContain('[redacted]');
      expect(everything.length).toBeGreaterThan(10);
      for (const [where, text] of everything) {
        expect(text.includes(API_KEY), `API key in ${where}`).toBe(false);
        expect(text.includes(PASSWORD), `password in ${where}`).toBe(false);
        for (const s of generated) expect(text.includes(s), `an abra-generated secret in ${where}`).toBe(false);
      }
    } finally {
      worker.kill('SIGTERM');
    }
  }, 240_000);
});
