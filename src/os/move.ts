// Moving directories and writing files so that they are on disk before the next step.
import { access, cp, mkdir, open, rename, rm } from 'node:fs/promises';
import path from 'node:path';

/** Move a directory: a rename (atomic), or a copy then delete across file systems. `sync: false` leaves fsyncing the parent to the caller (once for many moves). */
export async function moveDir(from: string, to: string, opts: { sync?: boolean } = {}): Promise<void> {
  await mkdir(path.dirname(to), { recursive: true, mode: 0o700 });
  try {
    await rename(from, to);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EXDEV') throw err;
    const tmp = `${to}.copy`;
    await rm(tmp, { recursive: true, force: true });
    await cp(from, tmp, { recursive: true, preserveTimestamps: true });
    await rename(tmp, to);
    await rm(from, { recursive: true, force: true });
  }
  if (opts.sync !== false) await syncDir(path.dirname(to));
}

/** Write a file and fsync it (and, unless `syncDir: false`, its directory) before returning. */
export async function writeSynced(file: string, text: string, opts: { syncDir?: boolean } = {}): Promise<void> {
  const fh = await open(file, 'w', 0o600);
  try {
    await fh.writeFile(text);
    await fh.sync();
  } finally {
    await fh.close();
  }
  if (opts.syncDir !== false) await syncDir(path.dirname(file));
}

/** fsync a directory, so the names in it (a rename, a new file) survive a power cut. Best effort. */
export async function syncDir(dir: string): Promise<void> {
  try {
    const fh = await open(dir, 'r');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
  } catch {
    // not every platform lets a directory be opened or synced
  }
}

/** Whether a path exists. */
export async function exists(p: string): Promise<boolean> {
  try {
    await access(p);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code !== 'ENOENT';
  }
}
