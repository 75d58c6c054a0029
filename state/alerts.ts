import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { Alert } from '../domain/warm-records';
import { readJson, writeJsonAtomic } from './json-store';
import { paths } from './paths';

/** Writes an alert once: the key is fixed per workflow run, so a retry finds it and writes nothing. Returns its file. */
export async function writeAlertOnce(stateDir: string, key: string, alert: Alert): Promise<string> {
  const file = paths.alert(stateDir, key);
  if (!(await readJson(file, Alert))) await writeJsonAtomic(file, Alert.parse(alert));
  return file;
}

/** Alerts on disk, oldest first; a broken file is reported, not dropped. */
export async function listAlerts(stateDir: string): Promise<{ file: string; alert: Alert | null; error?: string }[]> {
  const dir = path.dirname(paths.alert(stateDir, 'x'));
  const names = (await readdir(dir).catch(() => [] as string[])).filter((n) => n.endsWith('.json')).sort();
  return Promise.all(
    names.map(async (n) => {
      const file = path.join(dir, n);
      try {
        return { file, alert: Alert.parse(JSON.parse(await readFile(file, 'utf8'))) };
      } catch (e) {
        return { file, alert: null, error: (e as Error).message.split('\n')[0] };
      }
    }),
  );
}

/**
 * Marks an app's open alerts resolved by a healthy deploy (`by`, at `at`);
 * they stay on disk until cleared. Idempotent: resolved ones are left as
 * they are. Returns the files it resolved.
 */
export async function resolveAlerts(stateDir: string, app: string, by: string, at: string): Promise<string[]> {
  const open = (await listAlerts(stateDir)).filter((a) => a.alert?.app === app && !a.alert.resolvedAt);
  for (const a of open) await writeJsonAtomic(a.file, Alert.parse({ ...a.alert, resolvedAt: at, resolvedBy: by }));
  return open.map((a) => a.file);
}
