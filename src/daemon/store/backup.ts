// `db backup`: a consistent copy of a live store. One iterator reads one
// LevelDB snapshot; its keys and values go, as they are, into a fresh LevelDB
// directory, which is a store blanket can open (put it in place of db/). It is
// written under DEST.partial and renamed when complete, so a directory with the
// backup's name is always a whole backup, whatever stopped the copy.
import { cp, mkdir, readdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { ClassicLevel } from 'classic-level';
import { BlanketError } from '../../protocol/errors.js';

type Db = ClassicLevel<string, unknown>;

const BATCH_BYTES = 1024 * 1024;
/** The suffix of a backup still being written. */
export const PARTIAL = '.partial';

async function mustBeNew(dest: string): Promise<void> {
  try {
    if ((await readdir(dest)).length > 0) throw new BlanketError('EXISTS', `${dest} exists and is not empty`, { hint: 'give a new directory for the backup' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}

export async function copyStore(db: Db, dest: string): Promise<{ keys: number; tasks: number; bytes: number }> {
  await mustBeNew(dest);
  await mkdir(path.dirname(dest), { recursive: true, mode: 0o700 });
  const partial = `${dest}${PARTIAL}`;
  await rm(partial, { recursive: true, force: true }); // what an interrupted copy left
  const out = new ClassicLevel<Buffer, Buffer>(partial, { keyEncoding: 'buffer', valueEncoding: 'buffer' });
  let keys = 0;
  let tasks = 0;
  let bytes = 0;
  try {
    await out.open();
    let ops: Array<{ type: 'put'; key: Buffer; value: Buffer }> = [];
    let size = 0;
    for await (const [key, value] of db.iterator({ keyEncoding: 'buffer', valueEncoding: 'buffer' }) as AsyncIterable<[Buffer, Buffer]>) {
      ops.push({ type: 'put', key, value });
      keys++;
      if (key[0] === 0x74 && key[1] === 0x21) tasks++; // t!
      size += key.length + value.length;
      if (size >= BATCH_BYTES) {
        await out.batch(ops);
        bytes += size;
        ops = [];
        size = 0;
      }
    }
    bytes += size;
    // The last batch is synced: LevelDB's log is sequential, so everything before it is on disk too.
    await out.batch(ops, { sync: true });
    await out.close();
    await rename(partial, dest);
  } catch (err) {
    await out.close().catch(() => {});
    await rm(partial, { recursive: true, force: true });
    throw err;
  }
  return { keys, tasks, bytes };
}

/** A copy of the files themselves, for a store that cannot be opened (what `db repair` keeps first). */
export async function copyFiles(location: string, dest: string): Promise<void> {
  await mustBeNew(dest);
  await cp(location, dest, { recursive: true, filter: (src) => path.basename(src) !== 'LOCK' });
}

/** A backup directory name that sorts by time: `<root>/<prefix>2026-05-17T12-00-00.123Z`. */
export function backupName(root: string, prefix = '', now = Date.now()): string {
  return path.join(root, `${prefix}${new Date(now).toISOString().replace(/:/g, '-')}`);
}
