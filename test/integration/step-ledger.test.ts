/**
 * Time accounted for: every command (runCommand) and every wait (Swarm
 * convergence, the health gate) lands in the step ledger of the code that
 * runs it, with its duration, and the convergence wait logs how late coopci
 * noticed the tasks running. Real processes, a real HTTP server and a real
 * Swarm service (run under the Swarm lock).
 */
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger, type LogEntry } from '@temporalio/worker';
import http from 'node:http';
import { afterAll, describe, expect, it } from 'vitest';
import { Apps } from '../../adapters/apps';
import { runCommand } from '../../adapters/run-command';
import { docker } from '../../adapters/swarm';
import { recordStep, withSteps, withStepsOnResult } from '../../adapters/timing';
import type { HealthGate } from '../../config/schema';
import type { RunEnv } from '../../contract/types';
import { stackName } from '../../domain/stack-name';
import { CI } from '../helpers/pool';

// Only what the Apps constructor reads: these tests never run abra.
const ENV = { abra: { bin: 'abra', dir: '/nonexistent' }, server: 'default' } as unknown as RunEnv;
const DOMAIN = `ledger.${CI}`;

describe('the step ledger', () => {
  it('records every command with its label (never its argv values) and duration, failed ones too', async () => {
    const { steps } = await withSteps(async () => {
      await runCommand('sleep', ['0.2'], { timeoutMs: 5_000, label: 'abra app deploy secret_value_domain' });
      await runCommand('sh', ['-c', 'exit 3'], { timeoutMs: 5_000 }).catch(() => undefined);
    });
    expect(steps.map((s) => [s.kind, s.what])).toEqual([
      ['command', 'abra app deploy'],
      ['command', 'sh'],
    ]);
    expect(steps[0]!.ms).toBeGreaterThanOrEqual(190);
    expect(JSON.stringify(steps)).not.toContain('secret_value');
  });

  it('keeps concurrent ledgers apart, and records nothing outside one', async () => {
    const [a, b] = await Promise.all([
      withSteps(async () => {
        await runCommand('sleep', ['0.1'], { timeoutMs: 5_000, label: 'git fetch' });
        recordStep('wait', 'converge', 5);
      }),
      withSteps(() => runCommand('true', [], { timeoutMs: 5_000, label: 'abra app new' })),
    ]);
    expect(a.steps.map((s) => s.what)).toEqual(['git fetch', 'converge']);
    expect(b.steps.map((s) => s.what)).toEqual(['abra app new']);
    await expect(runCommand('true', [], { timeoutMs: 5_000 })).resolves.toBeDefined();
  });

  it('withStepsOnResult puts the merged steps on the result (a TierResult), and leaves a result without steps unchanged', async () => {
    const tier = withStepsOnResult(async (n: number) => {
      for (let i = 0; i < n; i++) await runCommand('true', [], { timeoutMs: 5_000, label: 'git tag' });
      return { tier: 'install', status: 'pass', durationMs: 1 };
    });
    expect((await tier(3)).steps).toEqual([{ kind: 'command', what: 'git tag', ms: expect.any(Number), n: 3 }]);
    expect(await tier(0)).toEqual({ tier: 'install', status: 'pass', durationMs: 1 });
  });
});

describe('waits', () => {
  const logged: LogEntry[] = [];
  const inActivity = <T>(fn: () => Promise<T>) =>
    new MockActivityEnvironment(undefined, { logger: new DefaultLogger('INFO', (e) => logged.push(e)) }).run<T[], T, () => Promise<T>>(fn);
  const d = docker();
  afterAll(async () => {
    for (const s of await d.listServices({ filters: { label: [`com.docker.stack.namespace=${stackName(DOMAIN)}`] } })) await d.getService(s.ID).remove();
  });

  it('the health gate records its wait, healthy or not', async () => {
    let healthy = false;
    const srv = http.createServer((_q, res) => {
      res.statusCode = healthy ? 200 : 503;
      res.end();
    });
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    const port = (srv.address() as { port: number }).port;
    const gate = {
      url: `http://127.0.0.1:${port}/`,
      allowedStatus: [200],
      requestTimeoutSeconds: 2,
      intervalSeconds: 0.2,
      deadlineSeconds: 1,
      consecutive: 1,
    } as HealthGate;
    try {
      const apps = new Apps(ENV, d);
      const red = await withSteps(() => inActivity(() => apps.gate(DOMAIN, gate)));
      expect(red.result.healthy).toBe(false);
      expect(red.steps).toEqual([{ kind: 'wait', what: 'health gate', ms: expect.any(Number) }]);
      // The gate gives up when the next probe would land past its 1 s deadline.
      expect(red.steps[0]!.ms).toBeGreaterThanOrEqual(600);
      setTimeout(() => (healthy = true), 300);
      const green = await withSteps(() => inActivity(() => apps.waitHealthy(DOMAIN, { ...gate, deadlineSeconds: 10 })));
      // waitHealthy goes through gate: one wait, not two.
      expect(green.steps).toHaveLength(1);
      expect(green.steps[0]!.ms).toBeGreaterThanOrEqual(250);
      expect(logged.some((e) => e.meta?.wait === 'health gate' && e.meta?.outcome === 'healthy')).toBe(true);
    } finally {
      srv.close();
    }
  });

  it('convergence records its wait and logs the detection latency from Swarm task timestamps', async () => {
    const stack = stackName(DOMAIN);
    await d.createService({
      Name: `${stack}_app`,
      Labels: { 'com.docker.stack.namespace': stack },
      TaskTemplate: { ContainerSpec: { Image: 'coopci/busybox:1', Command: ['sleep', '3600'] } },
      Mode: { Replicated: { Replicas: 1 } },
    });
    const t0 = Date.now();
    const { steps } = await withSteps(() => inActivity(() => new Apps(ENV, d).waitConverged(DOMAIN, 60_000)));
    expect(steps).toEqual([{ kind: 'wait', what: 'converge', ms: expect.any(Number) }]);
    // A task counts only once it has run stably for 2 s (domain/convergence), so the wait and the latency include that.
    expect(steps[0]!.ms).toBeGreaterThanOrEqual(2000);
    expect(steps[0]!.ms).toBeLessThanOrEqual(Date.now() - t0 + 50);
    const entry = logged.find((e) => e.meta?.wait === 'converge');
    expect(entry?.meta).toMatchObject({ outcome: 'converged', durationMs: expect.any(Number) });
    expect(entry!.meta!.detectMs as number).toBeGreaterThanOrEqual(2000);
    expect(entry!.meta!.detectMs as number).toBeLessThan(5000);
  });
});
