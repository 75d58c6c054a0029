import { mkdir, open, readFile, rename, unlink } from 'node:fs/promises';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { z } from 'zod';
import { ApplicationFailure } from '@temporalio/common';

/**
 * A record that cannot be read. Not retryable: retrying cannot repair a file;
 * a person must look at it, so it is left untouched and named.
 */
export class RegistryError extends ApplicationFailure {
  constructor(message: string) {
    super(message, 'RegistryError', true);
  }
}

/**
 * Writes JSON atomically: a temp file in the same directory, fsynced, then
 * renamed over the target, then the directory fsynced. A reader sees the old
 * record or the new one, never a torn file.
 */
export async function writeJsonAtomic(file: string, value: unknown): Promise<void> {
  const dir = path.dirname(file);
  await mkdir(dir, { recursive: true });
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  const fh = await open(tmp, 'w', 0o640);
  try {
    await fh.writeFile(`${JSON.stringify(value, null, 2)}\n`);
    await fh.sync();
  } finally {
    await fh.close();
  }
  try {
    await rename(tmp, file);
  } catch (e) {
    await unlink(tmp).catch(() => {});
    throw e;
  }
  const dh = await open(dir, 'r');
  try {
    await dh.sync();
  } finally {
    await dh.close();
  }
}

/**
 * Reads and validates a JSON record; a missing file is `null`, a corrupt one
 * is an error naming the file (and is left untouched for a person to look at).
 */
export async function readJson<T>(file: string, schema: z.ZodType<T>): Promise<T | null> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new RegistryError(`${file}: not valid JSON (corrupt or half-written); fix or remove it by hand`);
  }
  const r = schema.safeParse(raw);
  if (!r.success) {
    const why = r.error.issues.map((i) => `${i.path.join('.') || '(top level)'}: ${i.message}`).join('; ');
    throw new RegistryError(`${file}: not a valid record (${why}); fix or remove it by hand`);
  }
  return r.data;
}
