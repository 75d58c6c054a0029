/** coopci notifications list: how each webhook delivery went (delivered, retrying, failed), from the state dir's records. */
import type { Command } from 'commander';
import { listDeliveries } from '../state/notifications';
import { JSON_HELP, loadFor, run, type Handler } from './command';

export function addNotificationCommands(program: Command): void {
  const n = program.command('notifications').description('webhook deliveries of alerts, resolutions and sweep summaries');
  n.command('list')
    .summary('webhook deliveries and how they went')
    .description(
      `Every notification posted (or tried) to a configured webhook: its kind
(alert, resolved, sweep), what it was about, delivered / retrying / failed,
the attempts and the last error. Never the webhook's URL. --failed shows only
those not delivered; the exit code is 1 when any is failed.`,
    )
    .option('--failed', 'only deliveries that failed or are still retrying')
    .option('--json', JSON_HELP)
    .action(run(notificationsList));
}

const notificationsList: Handler = async (cmd) => {
  const o = cmd.opts<{ failed?: boolean; json?: boolean }>();
  const loaded = await loadFor(cmd);
  const all = (await listDeliveries(loaded.config.stateDir)).filter((d) => !o.failed || d.delivery?.status !== 'delivered');
  if (o.json) console.log(JSON.stringify(all, null, 2));
  else if (all.length === 0)
    console.log(o.failed ? 'no failed deliveries' : loaded.config.notifications.webhooks.length ? 'nothing delivered yet' : 'no webhooks configured');
  else
    for (const { delivery: d, file, error } of all)
      console.log(
        d
          ? `${d.lastTriedAt}  ${d.webhook}  ${d.kind}  ${d.subject}  ${d.status.toUpperCase()}  (${d.attempts} attempt${d.attempts === 1 ? '' : 's'}${d.httpStatus ? `, HTTP ${d.httpStatus}` : ''})${d.status !== 'delivered' && d.error ? ` — ${d.error}` : ''}`
          : `unreadable delivery record ${file}: ${error}`,
      );
  return all.some((d) => d.delivery?.status === 'failed') ? 1 : 0;
};
