// `db backup`: a consistent copy of a live store. One iterator reads one
// LevelDB snapshot; its keys and values go, as they are, into a fresh LevelDB
// directory, which is a store blanket can open (put it in place of db/). It is
// written under DEST.partial and renamed when complete, so a directory with the
// backup's name is always a whole backup, whatever stopped the copy.
import { constants } from 'node:fs';
import { chmod, copyFile, cp, mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises';
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

/** fsync a file or a directory (its entries). */
async function sync(p: string): Promise<void> {
  const fh = await open(p, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/**
 * The store's files as they are, before LevelDB opens a store it will change (a damaged
 * write-ahead log it replays and deletes): copied (reflinked where the filesystem can) into
 * HOME/db, a store `BLANKET_HOME=HOME blanket db …` reads. Each file, the directories and the
 * rename are synced before this returns, so the copy survives a crash that follows the open. It is
 * written under HOME.partial and renamed when whole; a failed copy leaves nothing.
 */
export async function keepFiles(location: string, home: string): Promise<void> {
  await mustBeNew(home);
  await mkdir(path.dirname(home), { recursive: true, mode: 0o700 });
  const partial = `${home}${PARTIAL}`;
  await rm(partial, { recursive: true, force: true });
  try {
    const db = path.join(partial, 'db');
    await mkdir(db, { recursive: true, mode: 0o700 });
    for (const name of await readdir(location)) {
      const from = path.join(location, name);
      if (name === 'LOCK' || !(await stat(from)).isFile()) continue;
      const to = path.join(db, name);
      await copyFile(from, to, constants.COPYFILE_FICLONE);
      await chmod(to, 0o600);
      await sync(to);
    }
    await sync(db);
    await sync(partial);
    await rename(partial, home);
    await sync(path.dirname(home));
  } catch (err) {
    await rm(partial, { recursive: true, force: true }).catch(() => {});
    throw err;
  }
}

/** A backup directory name that sorts by time: `<root>/<prefix>2026-05-17T12-00-00.123Z`. */
export function backupName(root: string, prefix = '', now = Date.now()): string {
  return path.join(root, `${prefix}${new Date(now).toISOString().replace(/:/g, '-')}`);
}
