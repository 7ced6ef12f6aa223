// A full disk: telling its errors apart, and whether there is room again to reopen the store.
import { readdir, stat, statfs } from 'node:fs/promises';
import path from 'node:path';

/** A write failed for want of space (LevelDB reports ENOSPC as an IO error's text). */
export function isNoSpace(err: unknown): boolean {
  const e = err as { message?: string; code?: string; cause?: { message?: string; code?: string } } | undefined;
  return /ENOSPC|No space left/i.test(`${e?.code ?? ''} ${e?.message ?? ''} ${e?.cause?.code ?? ''} ${e?.cause?.message ?? ''}`);
}

/** Room LevelDB needs to reopen: it replays the log into a table and writes a new MANIFEST and log. */
const REOPEN_MARGIN = 8 * 1024 * 1024;

/** Free bytes on the store's disk (undefined: unknowable) and what a reopen needs. */
export async function roomToReopen(location: string): Promise<{ free: number | undefined; need: number }> {
  return { free: await freeBytes(location), need: (await logBytes(location)) + REOPEN_MARGIN };
}

async function freeBytes(dir: string): Promise<number | undefined> {
  try {
    const s = await statfs(dir);
    return s.bavail * s.bsize;
  } catch {
    return undefined;
  }
}

async function logBytes(dir: string): Promise<number> {
  let n = 0;
  for (const f of await readdir(dir).catch(() => [] as string[])) {
    if (f.endsWith('.log')) n += (await stat(path.join(dir, f)).catch(() => ({ size: 0 }))).size;
  }
  return n;
}
