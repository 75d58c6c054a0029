import { Context } from '@temporalio/activity';
import { CancelledFailure } from '@temporalio/common';
import { readFile, rm, stat } from 'node:fs/promises';
import type Docker from 'dockerode';
import type { HealthGate } from '../config/schema';
import type { AppState } from '../domain/deploy-plan';
import { stackName } from '../domain/stack-name';
import { fillTemplate } from '../domain/template';
import type { RunEnv } from '../contract/types';
import { Abra } from './abra';
import { describeProbe, waitHealthy, type GateResult } from './health';
import { paths } from '../state/paths';
import { describeServices, isConverged } from '../domain/convergence';
import { stackLeftovers, stackServices } from './swarm';
import { volumesInUse } from './volumes';
import { recordWait } from './timing';
import { detectionLatency } from '../domain/timing';

/** App lifecycle built from abra commands plus Swarm and HTTP checks; shared by cold runs and promotes. */
export class Apps {
  readonly abra: Abra;
  constructor(
    private readonly env: RunEnv,
    private readonly docker: Docker,
  ) {
    this.abra = new Abra({ ...env.abra, server: env.server });
  }

  isDeployed(domain: string): Promise<boolean> {
    return stackServices(this.docker, stackName(domain)).then((s) => s.length > 0);
  }

  envFileExists(domain: string): Promise<boolean> {
    return stat(paths.abraEnvFile(this.env.abra.dir, this.env.server, domain)).then(
      () => true,
      () => false,
    );
  }

  /** Whether the app is deployed and the version abra's env file gives it, for the deploy rules in domain/deploy-plan. */
  async state(domain: string): Promise<AppState & { envFile: boolean }> {
    const [deployed, version, envFile] = await Promise.all([this.isDeployed(domain), this.appVersion(domain), this.envFileExists(domain)]);
    return { deployed, version, envFile };
  }

  /** What Swarm and abra still hold for an app (its env file, services, volumes, secrets, …), described; empty when nothing. */
  async holdings(domain: string): Promise<string[]> {
    const left = await stackLeftovers(this.docker, stackName(domain));
    const held = Object.entries(left)
      .filter(([, v]) => v.length > 0)
      .map(([k, v]) => `${k}: ${v.join(', ')}`);
    return (await this.envFileExists(domain)) ? ['abra env file', ...held] : held;
  }

  /**
   * Stops an app, keeping its volumes, secrets and env file, and waits until
   * nothing holds its volumes or networks any more (a snapshot or the next
   * deploy needs them free). abra, like `docker stack rm`, removes the
   * services and at once their networks, and exits 1 when a task still
   * shutting down holds one ("network … is in use by task"); the services
   * are gone by then, so that network is removed here once it is free.
   */
  async undeploy(domain: string, timeoutMs: number): Promise<void> {
    const stack = stackName(domain);
    if (await this.isDeployed(domain)) {
      try {
        await this.abra.undeploy(domain, timeoutMs);
      } catch (e) {
        if (!/is in use by task/.test((e as Error).message) || (await this.isDeployed(domain))) throw e;
      }
    }
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      checkCancelled();
      const { networks } = await stackLeftovers(this.docker, stack);
      const busy = [...(await volumesInUse(this.docker, stack)), ...networks.map((n) => `network ${n}`)];
      if (busy.length === 0) return;
      if (Date.now() > deadline) throw new Error(`${domain} was undeployed but is still held: ${busy.join('; ')}`);
      heartbeat({ undeploying: domain, busy: busy.length });
      await Promise.all(
        networks.map((n) =>
          this.docker
            .getNetwork(n)
            .remove()
            .catch(() => undefined),
        ),
      );
      await sleep(500);
    }
  }

  /** The version abra's env file says the app is at (TYPE=<recipe>:<version>). */
  async appVersion(domain: string): Promise<string | null> {
    const text = await readFile(paths.abraEnvFile(this.env.abra.dir, this.env.server, domain), 'utf8').catch(() => '');
    return /^TYPE=[^:\n]+:(\S+)$/m.exec(text)?.[1] ?? null;
  }

  /** Waits until Swarm reports every service of the app running, heartbeating; throws with the services' state. */
  async waitConverged(domain: string, timeoutMs: number): Promise<void> {
    const stack = stackName(domain);
    const deadline = Date.now() + timeoutMs;
    const startedAt = performance.now();
    let outcome = 'cancelled or failed';
    try {
      for (;;) {
        checkCancelled();
        const services = await stackServices(this.docker, stack);
        heartbeat({ converging: stack });
        if (isConverged(services)) {
          const seenAt = Date.now();
          outcome = 'converged';
          // How late coopci noticed (the bench's convergence detection latency): from Swarm's running timestamps.
          const detectMs = detectionLatency(await this.runningSince(stack).catch(() => []), seenAt);
          recordWait('converge', performance.now() - startedAt, { detectMs, outcome });
          return;
        }
        if (Date.now() > deadline) {
          outcome = 'timed out';
          throw new Error(`${domain} did not converge within ${Math.round(timeoutMs / 1000)}s: ${describeServices(services)}`);
        }
        await sleep(1000);
      }
    } finally {
      if (outcome !== 'converged') recordWait('converge', performance.now() - startedAt, { outcome });
    }
  }

  /** When each running task of the stack reported running (Swarm's task Status.Timestamp). */
  private async runningSince(stack: string): Promise<(string | undefined)[]> {
    const services = await this.docker.listServices({ filters: { label: [`com.docker.stack.namespace=${stack}`] } });
    const tasks = await Promise.all(services.map((s) => this.docker.listTasks({ filters: { service: [s.ID], 'desired-state': ['running'] } })));
    return (tasks.flat() as { Status?: { State?: string; Timestamp?: string } }[]).filter((t) => t.Status?.State === 'running').map((t) => t.Status?.Timestamp);
  }

  /**
   * Polls a health gate against this app's domain, stopping when cancelled.
   * It heartbeats on a timer, not per probe: a gate probing every 30 s must
   * not look dead to a 20 s heartbeat timeout.
   */
  async gate(domain: string, gate: HealthGate): Promise<GateResult> {
    let progress: unknown = { health: domain, attempt: 0 };
    const beat = setInterval(() => heartbeat(progress), HEARTBEAT_EVERY_MS);
    const startedAt = performance.now();
    let outcome = 'cancelled or failed';
    try {
      const r = await waitHealthy(
        {
          url: fillTemplate(gate.url, { domain }),
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
          progress = { health: domain, attempt, last: describeProbe(last) };
          heartbeat(progress);
        },
        cancellationSignal(),
      );
      outcome = r.healthy ? 'healthy' : 'unhealthy';
      return r;
    } finally {
      clearInterval(beat);
      // The gate's whole wait, healthy or not, is accounted for (adapters/timing).
      recordWait('health gate', performance.now() - startedAt, { outcome });
    }
  }

  /** The gate as a step that throws, with what the last probe saw. */
  async waitHealthy(domain: string, gate: HealthGate): Promise<void> {
    const r = await this.gate(domain, gate);
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
   * Removes an app completely (stack, env file, secrets, volumes, networks,
   * configs), whatever state a crash or a killed deploy left it in, and
   * proves nothing is left. abra goes first; what it leaves (or cannot
   * reach) is removed through the Docker API until gone or out of time.
   */
  async destroy(domain: string): Promise<void> {
    const t = this.env.timeouts.teardownSeconds * 1000;
    const stack = stackName(domain);
    const abraErrors: string[] = [];
    const attempt = async (what: string, f: () => Promise<unknown>) => {
      try {
        await f();
      } catch (e) {
        abraErrors.push(`${what}: ${(e as Error).message.split('\n')[0]}`);
      }
    };
    if (await this.isDeployed(domain)) await attempt('undeploy', () => this.abra.undeploy(domain, t));
    if (await this.envFileExists(domain)) {
      await attempt('remove', () => this.abra.remove(domain, t));
      await rm(paths.abraEnvFile(this.env.abra.dir, this.env.server, domain), { force: true });
    }
    const deadline = Date.now() + t;
    for (;;) {
      checkCancelled();
      const left = await stackLeftovers(this.docker, stack);
      const remaining = Object.entries(left).filter(([, v]) => v.length > 0);
      if (remaining.length === 0) return;
      if (Date.now() > deadline) {
        const what = remaining.map(([k, v]) => `${k}: ${v.join(', ')}`).join('; ');
        throw new Error(`teardown of ${domain} left ${what}${abraErrors.length ? ` (abra: ${abraErrors.join('; ')})` : ''}`);
      }
      heartbeat({ teardown: domain, remaining: summarize(remaining) });
      // Order matters: services hold networks, secrets and volumes. Failures (still in use) are retried.
      const d = this.docker;
      const tryAll = (names: string[], f: (n: string) => Promise<unknown>) => Promise.all(names.map((n) => f(n).catch(() => undefined)));
      await tryAll(left.services, (n) => d.getService(n).remove());
      await tryAll(left.networks, (n) => d.getNetwork(n).remove());
      await tryAll(left.secrets, (n) => d.getSecret(n).remove());
      await tryAll(left.configs, (n) => d.getConfig(n).remove());
      await tryAll(left.volumes, (n) => d.getVolume(n).remove({ force: true }));
      await sleep(1000);
    }
  }
}

const summarize = (entries: [string, string[]][]) => entries.map(([k, v]) => `${k}=${v.length}`).join(' ');

export function heartbeat(details?: unknown): void {
  try {
    Context.current().heartbeat(details);
  } catch {
    // not inside an activity (CLI, tests)
  }
}

/** Well inside the 20 s heartbeat timeout the workflows give long steps. */
const HEARTBEAT_EVERY_MS = 2_000;

function cancellationSignal(): AbortSignal | undefined {
  try {
    return Context.current().cancellationSignal;
  } catch {
    return undefined; // not inside an activity
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
