import Docker from 'dockerode';

/** Swarm state read through the Docker API (dockerode), never by parsing CLI output. */
export function docker(): Docker {
  return new Docker({ socketPath: process.env.DOCKER_SOCKET ?? '/var/run/docker.sock' });
}

const stackFilter = (stack: string) => ({ label: [`com.docker.stack.namespace=${stack}`] });

export interface ServiceState {
  name: string;
  desired: number;
  running: number;
  update: string | null;
  /** The most recent task error Swarm reported, for a readable failure. */
  lastError: string | null;
}

export async function stackServices(d: Docker, stack: string): Promise<ServiceState[]> {
  const services = await d.listServices({ filters: stackFilter(stack) });
  return Promise.all(
    services.map(async (s) => {
      const tasks = await d.listTasks({ filters: { service: [s.ID!] } });
      const current = tasks.filter((t) => t.DesiredState === 'running');
      const failed = tasks
        .filter((t) => t.Status?.Err)
        .sort((a, b) => String(b.UpdatedAt).localeCompare(String(a.UpdatedAt)));
      return {
        name: s.Spec?.Name ?? s.ID!,
        desired: s.Spec?.Mode?.Replicated?.Replicas ?? current.length,
        running: current.filter((t) => t.Status?.State === 'running').length,
        update: s.UpdateStatus?.State ?? null,
        lastError: failed[0]?.Status?.Err ?? null,
      };
    }),
  );
}

/** Converged: every service of the stack runs all desired replicas and no update is in flight or rolled back. */
export function isConverged(services: readonly ServiceState[]): boolean {
  return (
    services.length > 0 &&
    services.every((s) => s.running >= s.desired && (s.update === null || s.update === 'completed'))
  );
}

export function describeServices(services: readonly ServiceState[]): string {
  if (services.length === 0) return 'no services';
  return services
    .map((s) => `${s.name} ${s.running}/${s.desired}${s.update ? ` update=${s.update}` : ''}${s.lastError ? ` (${s.lastError})` : ''}`)
    .join(', ');
}

/** Everything Swarm still holds for a stack; teardown is complete only when all lists are empty. */
export async function stackLeftovers(d: Docker, stack: string) {
  const [services, secrets, volumes, networks, configs] = await Promise.all([
    d.listServices({ filters: stackFilter(stack) }),
    // abra names an app's secrets <stack>_<name>_<version> and they outlive undeploy, so match by name.
    d.listSecrets(),
    d.listVolumes({ filters: stackFilter(stack) }),
    d.listNetworks({ filters: stackFilter(stack) }),
    d.listConfigs({ filters: stackFilter(stack) }),
  ]);
  return {
    services: services.map((s) => s.Spec?.Name ?? s.ID!),
    secrets: secrets.map((s) => s.Spec?.Name ?? s.ID).filter((n) => n.startsWith(`${stack}_`)),
    volumes: (volumes.Volumes ?? []).map((v) => v.Name),
    networks: networks.map((n) => n.Name),
    configs: configs.map((c) => c.Spec?.Name ?? c.ID),
  };
}
