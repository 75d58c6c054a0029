import Docker from 'dockerode';
import { madeFromCurrent, runsStably, type ServiceState, type TaskTemplate } from '../domain/convergence';

/** Swarm state read through the Docker API (dockerode), never by parsing CLI output. */
export function docker(): Docker {
  return new Docker({ socketPath: process.env.DOCKER_SOCKET ?? '/var/run/docker.sock' });
}

/** The fields of a Swarm task (GET /tasks) read here: dockerode types listTasks as any[]. */
interface SwarmTask {
  DesiredState?: string;
  UpdatedAt?: string;
  Status?: { State?: string; Timestamp?: string; Err?: string };
  Spec?: TaskTemplate;
}

const stackFilter = (stack: string) => ({ label: [`com.docker.stack.namespace=${stack}`] });

export async function stackServices(d: Docker, stack: string): Promise<ServiceState[]> {
  const services = await d.listServices({ filters: stackFilter(stack) });
  return Promise.all(
    services.map(async (s) => {
      const tasks = (await d.listTasks({ filters: { service: [s.ID] } })) as SwarmTask[];
      const current = tasks.filter((t) => t.DesiredState === 'running');
      const now = Date.now();
      const failed = tasks.filter((t) => t.Status?.Err).sort((a, b) => String(b.UpdatedAt).localeCompare(String(a.UpdatedAt)));
      return {
        name: s.Spec?.Name ?? s.ID,
        desired: s.Spec?.Mode?.Replicated?.Replicas ?? current.length,
        running: current.filter((t) => madeFromCurrent(t.Spec, s.Spec?.TaskTemplate) && runsStably(t.Status, now)).length,
        update: s.UpdateStatus?.State ?? null,
        lastError: failed[0]?.Status?.Err ?? null,
      };
    }),
  );
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
    services: services.map((s) => s.Spec?.Name ?? s.ID),
    secrets: secrets.map((s) => s.Spec?.Name ?? s.ID).filter((n) => n.startsWith(`${stack}_`)),
    volumes: (volumes.Volumes ?? []).map((v) => v.Name),
    networks: networks.map((n) => n.Name),
    configs: configs.map((c) => c.Spec?.Name ?? c.ID),
  };
}
