/** coopci proxy deploy|status|abort, coopci warm deploy|converge, coopci alerts list|clear. */
import { rm } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { uiLink } from '../client/sweep';
import { abortWarmDeploy, startConverge, startWarmDeploy, warmDeployStatus } from '../client/warm';
import { listAlerts } from '../state/alerts';
import { isVersion } from '../domain/version';
import { JSON_HELP, loadFor, run, session, usageError, type Handler } from './command';

export function addWarmCommands(program: Command): void {
  const proxy = program.command('proxy').description('health-gated deploys of the reverse proxy');
  const deployOptions = (c: Command) =>
    c
      .option('--version <release>', 'deploy this release tag instead of the latest')
      .option('--force', 'deploy the release even if it failed its gate before')
      .option('--wait', 'wait for the outcome')
      .option('--json', JSON_HELP)
      .action(run(warmDeploy));
  deployOptions(
    proxy
      .command('deploy')
      .summary('health-gated deploy of the latest proxy release')
      .description(
        `Deploys the latest release of the proxy (or --version), gates it on the
signal it serves itself, then records last-good, or rolls back, remembers the
release as rejected and writes an alert. A rejected release is skipped (the
proxy stays on last-good) until a newer one appears, unless --force. Waits
for a deploy of the proxy that the schedule or a converge started. With
--json --wait prints {"workflowId","outcome","version","lastGood","alert","reason"}.`,
      ),
  );
  proxy
    .command('status')
    .summary("the proxy deploy's phase, or its last outcome")
    .description("The running deploy's phase, or the outcome of the last one.")
    .option('--json', JSON_HELP)
    .action(run(proxyStatus));
  proxy
    .command('abort')
    .summary('stop the running proxy deploy and roll back')
    .description(
      `Stops the running proxy deploy: the step in flight (deploy or gate) is
stopped, then the proxy is rolled back to last-good. No alert is written:
the reason is recorded with the deploy.`,
    )
    .requiredOption('--reason <text>', 'why (recorded with the deploy)')
    .action(run(proxyAbort));

  const warm = program.command('warm').description('the warm infrastructure');
  deployOptions(
    warm
      .command('deploy')
      .argument('<app>', 'a warm app of the config')
      .summary('health-gated deploy of one warm app')
      .description('Like "coopci proxy deploy", for any warm app.'),
  );
  warm
    .command('converge')
    .summary('bring every warm app up in order, each gated')
    .description(
      `Deploys the warm apps in dependency order (proxy first), each through its
health gate with rollback; an app that does not come up skips the apps after
it, not independent ones.`,
    )
    .option('--wait', 'wait for the outcomes')
    .option('--json', JSON_HELP)
    .action(run(warmConverge));

  const alerts = program.command('alerts').description('alerts raised by gated deploys');
  alerts
    .command('list')
    .summary('open alerts raised by gated deploys')
    .description('Alerts raised by gated deploys that no later healthy deploy of their app has resolved; --all shows the resolved ones too.')
    .option('--all', 'resolved alerts too')
    .option('--json', JSON_HELP)
    .action(run(alertsList));
  alerts
    .command('clear')
    .argument('[files...]', 'alert files, as "coopci alerts list" shows them')
    .summary('remove alerts once handled')
    .description('Removes handled alerts (see "coopci alerts list").')
    .option('--all', 'every alert of this configuration')
    .action(run(alertsClear));
}

const warmDeploy: Handler = async (cmd) => {
  const o = cmd.opts<{ version?: string; force?: boolean; wait?: boolean; json?: boolean }>();
  if (o.version !== undefined && !isVersion(o.version)) usageError(cmd, `--version ${o.version} is not a release tag (e.g. 1.2.0+3.1)`);
  const { loaded, client } = await session(cmd);
  const app = cmd.args[0];
  if (app !== undefined && !loaded.config.warm.some((w) => w.name === app)) usageError(cmd, `"${app}" is not a warm app of ${loaded.file}`);
  const handle = await startWarmDeploy(client, loaded.config, app, { ...(o.version ? { version: o.version } : {}), ...(o.force ? { force: true } : {}) });
  const link = uiLink(loaded.config, handle.workflowId);
  if (!o.wait) {
    console.log(o.json ? JSON.stringify({ workflowId: handle.workflowId, ui: link }) : handle.workflowId);
    return 0;
  }
  if (!o.json) console.error(`deploy ${handle.workflowId} started — ${link}`);
  const r = await handle.result();
  if (o.json)
    console.log(
      JSON.stringify({ workflowId: r.workflowId, outcome: r.outcome, version: r.version, lastGood: r.lastGood, alert: r.alert, reason: r.reason }, null, 2),
    );
  else console.log(`${r.outcome}: ${r.app} ${r.version} (last good: ${r.lastGood ?? 'none'})\n${r.reason}${r.alert ? `\nalert: ${r.alert}` : ''}`);
  return 0;
};

const proxyStatus: Handler = async (cmd) => {
  const { loaded, client } = await session(cmd);
  const s = await warmDeployStatus(client, loaded.config);
  const link = uiLink(loaded.config, s.workflowId);
  if (cmd.opts<{ json?: boolean }>().json) console.log(JSON.stringify({ ...s, ui: link }, null, 2));
  else if (s.running)
    console.log(`${s.workflowId}: ${s.phase}${s.waitingFor ? ` for ${s.waitingFor}` : ''}${s.abortReason ? ` (aborting: ${s.abortReason})` : ''} — ${link}`);
  else {
    const r = s.result;
    console.log(
      `${s.workflowId}: ${s.status.toLowerCase()}${r ? ` — ${r.outcome} ${r.version} (last good: ${r.lastGood ?? 'none'}): ${r.reason}` : ''} — ${link}`,
    );
  }
  return 0;
};

const proxyAbort: Handler = async (cmd) => {
  const { loaded, client } = await session(cmd);
  console.log(`abort sent to ${await abortWarmDeploy(client, loaded.config, cmd.opts<{ reason: string }>().reason)}`);
  return 0;
};

const warmConverge: Handler = async (cmd) => {
  const o = cmd.opts<{ wait?: boolean; json?: boolean }>();
  const { loaded, client } = await session(cmd);
  const handle = await startConverge(client, loaded.config);
  if (!o.wait) {
    console.log(o.json ? JSON.stringify({ workflowId: handle.workflowId }) : handle.workflowId);
    return 0;
  }
  const r = await handle.result();
  if (o.json) console.log(JSON.stringify(r, null, 2));
  else for (const a of r.apps) console.log(`${a.app.padEnd(16)} ${a.outcome.padEnd(12)} ${a.version ?? '—'}  ${a.reason}`);
  return 0;
};

const alertsList: Handler = async (cmd) => {
  const all = cmd.opts<{ all?: boolean }>().all;
  const alerts = (await listAlerts((await loadFor(cmd)).config.stateDir)).filter((a) => all || !a.alert?.resolvedAt);
  if (cmd.opts<{ json?: boolean }>().json) console.log(JSON.stringify(alerts, null, 2));
  else if (alerts.length === 0) console.log(all ? 'no alerts' : 'no open alerts');
  else
    for (const a of alerts)
      console.log(
        a.alert
          ? `${a.alert.ts}  ${a.alert.app}  ${a.alert.reason}  ${a.alert.version}  — ${a.alert.state}${a.alert.resolvedAt ? `\n  resolved ${a.alert.resolvedAt} by ${a.alert.resolvedBy}` : ''}\n  ${a.file}`
          : `unreadable alert ${a.file}: ${a.error}`,
      );
  return 0;
};

const alertsClear: Handler = async (cmd) => {
  const all = cmd.opts<{ all?: boolean }>().all;
  if (!all && cmd.args.length === 0) usageError(cmd, 'name the alert files to clear, or pass --all');
  const known = (await listAlerts((await loadFor(cmd)).config.stateDir)).map((a) => a.file);
  const targets = all ? known : cmd.args.map((f) => path.resolve(f));
  for (const f of targets) {
    if (!known.includes(f)) throw new Error(`${f} is not an alert of this configuration (see "coopci alerts list")`);
    await rm(f);
  }
  console.log(`cleared ${targets.length} alert(s)`);
  return 0;
};
