/**
 * The coopci CLI as an operator runs it (its own process): usage errors,
 * generated help, config check, and a sweep start that is refused before
 * anything starts. Needs the suite's Temporal server, no worker, no Swarm.
 */
import { spawnSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { makeFixture, REPO, type Fixture } from '../helpers/fixture';
import { startSweep } from '../../client/sweep';
import { sweepStatusQuery } from '../../contract/messages';
import { cli, endRunningSweep, startWorker, testClient, waitFor } from '../helpers/temporal';

/** The CLI without a config (cli() appends --config): no --config, no COOPCI_CONFIG, no ./coopci.yaml. */
function coopci(args: string[]) {
  const { COOPCI_CONFIG: _, ...env } = process.env;
  const r = spawnSync(process.execPath, [path.join(REPO, 'bin/coopci.mjs'), ...args], { encoding: 'utf8', env, cwd: inject('scratchDir') });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

let f: Fixture;
beforeAll(async () => {
  f = await makeFixture('cli', [{ name: 'hello' }, { name: 'held', extra: { enrolled: false, exception: 'waiting for a fix upstream' } }]);
});

describe('usage', () => {
  it.each([
    [['sweep', 'start', '--bogus'], "error: unknown option '--bogus'", 'coopci sweep start --help'],
    [['worker', 'status', '--wait'], "error: unknown option '--wait'", 'coopci worker status --help'],
    [['sweep', 'skip'], "error: missing required argument 'recipe'", 'coopci sweep skip --help'],
    [['sweep', 'abort'], "error: required option '--reason <text>' not specified", 'coopci sweep abort --help'],
    [['report', '--format', 'html'], 'error: --format must be md or json, not "html"', 'coopci report --help'],
    [['sweep', 'launch'], "error: unknown command 'launch'", 'coopci sweep --help'],
  ])('%j is a usage error naming the command (exit 2)', async (args, message, hint) => {
    const r = await cli(f, args);
    expect(r).toMatchObject({ code: 2, stdout: '' });
    expect(r.stderr).toBe(`${message}\nRun "${hint}" for usage.\n`);
  });

  it('generates help for a sub-command, listing its options and the global --config', () => {
    const r = coopci(['sweep', 'start', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Usage: coopci sweep start \[options\]\n\nStarts a sweep of every enrolled recipe/);
    for (const option of ['--recipes <names>', '--wait', '--json', '-h, --help', '--config <file>']) expect(r.stdout).toContain(`  ${option}`);
    expect(coopci(['help', 'sweep']).stdout).toMatch(/^ {2}sweep skip \[options\] <recipe> +skip a recipe of the running sweep$/m);
  });

  it('lists every command in the overview, also with no arguments', () => {
    const r = coopci([]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(coopci(['--help']).stdout);
    for (const command of ['config check', 'worker [options]', 'worker status', 'sweep retry', 'proxy abort', 'warm converge', 'alerts clear', 'report']) {
      expect(r.stdout).toMatch(new RegExp(`^ {2}${command.replace(/[[\]]/g, '\\$&')} `, 'm'));
    }
  });

  it('needs a configuration', () => {
    expect(coopci(['sweep', 'status'])).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('error: no configuration: pass --config FILE or set COOPCI_CONFIG'),
    });
  });
});

describe('coopci config check', () => {
  it('exits 0 on a valid file, also named by --config', () => {
    expect(coopci(['config', 'check', f.configFile])).toMatchObject({ code: 0, stdout: `${f.configFile}: ok (1 enrolled of 2 recipes)\n` });
    expect(JSON.parse(coopci(['config', 'check', '--json', '--config', f.configFile]).stdout)).toEqual({ ok: true, file: f.configFile });
  });

  it('exits 1 naming each problem, 2 without a file', async () => {
    const bad = path.join(f.dir, 'bad.yaml');
    await writeFile(bad, 'ciDomain: Bad Domain\n');
    const r = coopci(['config', 'check', bad]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${bad}: invalid configuration`);
    expect(r.stderr).toContain('  - ciDomain: must be a lowercase DNS name');
    expect(coopci(['config', 'check']).code).toBe(2);
  });
});

describe('coopci sweep start', () => {
  const sweepsOnQueue = async () => {
    const client = await testClient();
    const ids: string[] = [];
    for await (const w of client.workflow.list({ query: `CoopciKind = 'sweep' AND TaskQueue = '${f.taskQueue}'` })) ids.push(w.workflowId);
    return ids;
  };
  afterAll(async () => {
    const client = await testClient();
    for (const id of await sweepsOnQueue())
      await client.workflow
        .getHandle(id)
        .terminate('cli test done')
        .catch(() => {});
  });

  it('refuses unknown and unenrolled recipes before starting anything', async () => {
    const unknown = await cli(f, ['sweep', 'start', '--recipes', 'hello,nosuch']);
    expect(unknown).toMatchObject({ code: 1, stdout: '' });
    expect(unknown.stderr).toBe('error: unknown recipe "nosuch" (enrolled recipes: hello)\n');
    const held = await cli(f, ['sweep', 'start', '--recipes', 'held']);
    expect(held).toMatchObject({ code: 1, stdout: '' });
    expect(held.stderr).toBe('error: recipe "held" is not enrolled: waiting for a fix upstream (enrolled recipes: hello)\n');

    // A valid start is listed (no worker runs it), and it is the only sweep there: the refused ones started nothing.
    const ok = await cli(f, ['sweep', 'start', '--recipes', 'hello', '--json']);
    expect(ok.code).toBe(0);
    const { workflowId } = JSON.parse(ok.stdout) as { workflowId: string };
    expect(await waitFor('the sweep listed', async () => ((await sweepsOnQueue()).length > 0 ? sweepsOnQueue() : null), 30_000)).toEqual([workflowId]);
  });
});

describe('coopci sweep skip|retry', () => {
  // An upstream that accepts the connection and never answers keeps the first recipe in its mirror sync: a running sweep without a deploy.
  const silent = net.createServer(() => {});
  let g: Fixture;
  let worker: Awaited<ReturnType<typeof startWorker>>;
  beforeAll(async () => {
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as net.AddressInfo).port;
    g = await makeFixture('cli-control', [{ name: 'stuck', extra: { upstream: `http://127.0.0.1:${port}/stuck.git` } }, { name: 'later' }]);
    worker = await startWorker(g);
  });
  afterAll(async () => {
    await endRunningSweep();
    await worker?.stop();
    silent.close();
  });

  it("prints the sweep's answer, or its refusal with exit code 1", async () => {
    const handle = await startSweep(await testClient(), g.loaded.config);
    await waitFor('stuck syncing', async () => (await handle.query(sweepStatusQuery)).recipes[0]?.phase === 'mirror-sync');
    expect(await cli(g, ['sweep', 'skip', 'later'])).toMatchObject({ code: 0, stdout: `skip later accepted by ${handle.workflowId}: later will be skipped\n` });
    const refused = await cli(g, ['sweep', 'retry', 'stuck', '--json']);
    expect(refused).toMatchObject({ code: 1, stderr: expect.stringMatching(new RegExp(`^error: ${handle.workflowId} refused retry stuck: stuck is not red`)) });
    expect(JSON.parse(refused.stdout)).toEqual({ workflowId: handle.workflowId, recipe: 'stuck', accepted: false, reason: expect.stringContaining('not red') });
    const unknown = await cli(g, ['sweep', 'skip', 'nosuch', '--id', handle.workflowId]);
    expect(unknown).toMatchObject({ code: 1, stderr: expect.stringMatching(/refused skip nosuch: "nosuch" is not a recipe of this sweep/) });
  });
});
