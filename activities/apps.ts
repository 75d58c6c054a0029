import { Context } from '@temporalio/activity';
import { CancelledFailure } from '@temporalio/common';
import { stat } from 'node:fs/promises';
import type Docker from 'dockerode';
import type { HealthGate } from '../config/schema';
import { stackName } from '../domain/stack-name';
import type { RunEnv } from '../workflows/types';
import { Abra } from './abra';
import { describeProbe, waitHealthy } from './health';
import { paths } from './state-paths';
import { describeServices, isConverged, stackLeftovers, stackServices } from './swarm';

/** App lifecycle built from abra commands plus Swarm and HTTP checks; shared by cold runs and promotes. */
export class Apps {
  readonly abra: Abra;
  constructor(
    private readonly env: RunEnv,
    private readonly docker: Docker,
  ) {
    this.abra = new Abra({ bin: env.abra.bin, dir: env.abra.dir, server: env.server });
  }

  isDeployed(domain: string): Promise<boolean> {
    return stackServices(this.docker, stackName(domain)).then((s) => s.length > 0);
  }

  envFileExists(domain: string): Promise<boolean> {
    return stat(paths.abraEnvFile(this.env.abra.dir, this.env.server, domain)).then(() => true, () => false);
  }

  /** Waits until Swarm reports every service of the app running, heartbeating; throws with the services' state. */
  async waitConverged(domain: string, timeoutMs: number): Promise<void> {
    const stack = stackName(domain);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      checkCancelled();
      const services = await stackServices(this.docker, stack);
      heartbeat({ converging: stack });
      if (isConverged(services)) return;
      if (Date.now() > deadline) {
        throw new Error(`${domain} did not converge within ${Math.round(timeoutMs / 1000)}s: ${describeServices(services)}`);
      }
      await sleep(1000);
    }
  }

  /** The recipe's HTTP health gate against this app's domain. */
  async waitHealthy(domain: string, gate: HealthGate): Promise<void> {
    const r = await waitHealthy(
      {
        url: gate.url.replaceAll('{domain}', domain),
        connectAddress: gate.connectAddress,
        allowedStatus: gate.allowedStatus,
        requestTimeoutMs: gate.requestTimeoutSeconds * 1000,
        caFile: gate.caFile,
        intervalMs: gate.intervalSeconds * 1000,
        deadlineMs: gate.deadlineSeconds * 1000,
        consecutive: gate.consecutive,
      },
      (last, attempt) => {
        checkCancelled();
        heartbeat({ health: domain, attempt, last: describeProbe(last) });
      },
    );
    if (!r.healthy) {
      throw new Error(`${domain} not healthy after ${Math.round(r.elapsedMs / 1000)}s (${r.attempts} probes, last: ${describeProbe(r.last)})`);
    }
  }

  /** deploy (or upgrade) + convergence + health. */
  async rollOut(domain: string, version: string, gate: HealthGate, how: 'deploy' | 'upgrade'): Promise<void> {
    const t = this.env.timeouts;
    if (how === 'deploy') await this.abra.deploy(domain, version, t.deploySeconds * 1000);
    else await this.abra.upgrade(domain, version, t.deploySeconds * 1000);
    await this.waitConverged(domain, t.convergeSeconds * 1000);
    await this.waitHealthy(domain, gate);
  }

  /**
   * Removes an app completely (stack, env file, secrets, volumes, configs),
   * whatever state a crash left it in, and proves nothing is left.
   */
  async destroy(domain: string): Promise<void> {
    const t = this.env.timeouts.teardownSeconds * 1000;
    const stack = stackName(domain);
    if (await this.isDeployed(domain)) await this.abra.undeploy(domain, t);
    if (await this.envFileExists(domain)) await this.abra.remove(domain, t);
    // Objects abra no longer knows about (env file gone after a crash) are removed directly.
    const left = await stackLeftovers(this.docker, stack);
    for (const v of left.volumes) await this.docker.getVolume(v).remove({ force: true });
    for (const s of left.secrets) await this.docker.getSecret(s).remove();
    for (const c of left.configs) await this.docker.getConfig(c).remove();
    const after = await stackLeftovers(this.docker, stack);
    const remaining = Object.entries(after).filter(([, v]) => v.length > 0);
    if (remaining.length > 0) {
      throw new Error(`teardown of ${domain} left ${remaining.map(([k, v]) => `${k}: ${v.join(', ')}`).join('; ')}`);
    }
  }
}

export function heartbeat(details?: unknown): void {
  try {
    Context.current().heartbeat(details);
  } catch {
    // not inside an activity (CLI, tests)
  }
}

export function checkCancelled(): void {
  try {
    if (Context.current().cancellationSignal.aborted) throw new CancelledFailure('activity cancelled');
  } catch (e) {
    if (e instanceof CancelledFailure) throw e;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
