import { findCycle } from './graph';
import { fillTemplate } from './template';

/**
 * The warm infrastructure as a graph: apps with `after` edges, each health
 * gate naming which app serves its URL. Checked before anything deploys so
 * the old system's fresh-boot deadlock (the proxy gated on the dashboard,
 * which starts after the proxy) cannot be configured.
 */
export interface WarmNode {
  name: string;
  after: readonly string[];
  /** The app that answers this app's health URL; the app itself when absent. */
  servedBy?: string;
}

export interface GraphProblem {
  /** Index of the app the problem is reported on (for field paths). */
  index: number;
  message: string;
}

/** Every problem in the graph: cycles (named) and gates served by an app not strictly before. */
export function checkWarmGraph(nodes: readonly WarmNode[]): GraphProblem[] {
  const problems: GraphProblem[] = [];
  const index = new Map(nodes.map((n, i) => [n.name, i]));
  const cycle = findAfterCycle(nodes);
  if (cycle) {
    problems.push({ index: index.get(cycle[0]!)!, message: `warm apps form a cycle: ${cycle.join(' → ')}` });
    return problems; // "before" is meaningless in a cycle
  }
  nodes.forEach((n, i) => {
    if (!n.servedBy || n.servedBy === n.name || !index.has(n.servedBy)) return;
    if (!dependsOn(nodes, n.name, n.servedBy)) {
      problems.push({
        index: i,
        message: `the health gate of "${n.name}" is served by "${n.servedBy}", which is not deployed before "${n.name}" (add it to "after", or gate on a signal "${n.name}" serves itself): a fresh boot would deadlock`,
      });
    }
  });
  return problems;
}

/** Deploy order: dependencies first, config order among apps that are ready at the same time. */
export function deployOrder(nodes: readonly WarmNode[]): string[] {
  const done = new Set<string>();
  const order: string[] = [];
  while (order.length < nodes.length) {
    const next = nodes.find((n) => !done.has(n.name) && n.after.every((a) => done.has(a)));
    if (!next) throw new Error(`warm apps form a cycle: ${findAfterCycle(nodes)?.join(' → ')}`);
    done.add(next.name);
    order.push(next.name);
  }
  return order;
}

/** Whether `app` transitively comes after `dep`. */
function dependsOn(nodes: readonly WarmNode[], app: string, dep: string): boolean {
  const byName = new Map(nodes.map((n) => [n.name, n]));
  const seen = new Set<string>();
  const stack = [...(byName.get(app)?.after ?? [])];
  while (stack.length) {
    const a = stack.pop()!;
    if (a === dep) return true;
    if (seen.has(a)) continue;
    seen.add(a);
    stack.push(...(byName.get(a)?.after ?? []));
  }
  return false;
}

/** One cycle of the `after` edges as a closed path (first name repeated at the end), or null. */
function findAfterCycle(nodes: readonly WarmNode[]): string[] | null {
  return findCycle(new Map(nodes.map((n) => [n.name, n.after])));
}

/** Outcomes after which the apps that come after an app may deploy: it is up, on the new or the last-good version. */
const CAME_UP = new Set(['HEALTHY', 'ROLLED_BACK']);

/** The first app of `after` that did not come up (so the app waiting on it is skipped), or null. */
export function blockedBy(after: readonly string[], outcomeOf: (app: string) => string | undefined): string | null {
  return after.find((dep) => !CAME_UP.has(outcomeOf(dep) ?? '')) ?? null;
}

/**
 * Which warm app answers a gate URL, from the URL's host: the app whose
 * domain it is (`{domain}` is the gated app's own), or undefined when no
 * warm app has that domain (served by the app itself or from outside).
 */
export function inferServedBy(gateUrl: string, ownDomain: string, apps: readonly { name: string; domain: string }[]): string | undefined {
  let host: string;
  try {
    host = new URL(fillTemplate(gateUrl, { domain: ownDomain })).hostname.toLowerCase();
  } catch {
    return undefined;
  }
  return apps.find((a) => a.domain.toLowerCase() === host)?.name;
}
