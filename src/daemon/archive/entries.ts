// Reading the archive directory: its hour directories, an entry's record, finding an id.
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { bucketStart, parseEntry, RECORD_FILE, type ArchiveRecord } from '../../core/archive.js';
import { withoutCallerEnv } from '../../core/callerenv.js';
import type { ArchivedTask } from '../../protocol/archive.js';
import { BlanketError } from '../../protocol/errors.js';
import type { Task } from '../../protocol/model.js';

export type Record = ArchiveRecord<Task>;

/** An entry on disk: where it is and its record. */
export interface Entry {
  bucket: string;
  dir: string;
  record: Record;
}

export async function names(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}

/** The hour directories, newest first. */
export async function buckets(root: string): Promise<string[]> {
  return (await names(root)).filter((n) => bucketStart(n) !== undefined).sort((a, b) => (a < b ? 1 : -1));
}

/** The ids of complete entries in one hour directory, newest id first. */
export async function idsIn(root: string, bucket: string): Promise<string[]> {
  const out: string[] = [];
  for (const n of await names(path.join(root, bucket))) {
    const e = parseEntry(n);
    if (e?.kind === 'entry') out.push(e.id);
  }
  return out.sort((a, b) => (a < b ? 1 : -1));
}

export async function readRecord(dir: string): Promise<Record | undefined> {
  try {
    const r = JSON.parse(await readFile(path.join(dir, RECORD_FILE), 'utf8')) as Record;
    return r && typeof r === 'object' && r.task && typeof r.id === 'string' ? r : undefined;
  } catch {
    return undefined;
  }
}

/** The complete entry of this id or unique prefix: NOT_FOUND or AMBIGUOUS_ID otherwise. */
export async function findEntry(root: string, arg: string): Promise<Entry> {
  const found: Array<{ bucket: string; id: string }> = [];
  for (const b of await buckets(root)) {
    for (const id of await idsIn(root, b)) {
      if (id === arg) return entryAt(root, b, id);
      if (id.startsWith(arg)) found.push({ bucket: b, id });
    }
  }
  if (found.length === 1) return entryAt(root, found[0]!.bucket, found[0]!.id);
  if (found.length === 0) throw new BlanketError('NOT_FOUND', `no archived task ${arg}`, { hint: "list the archive with 'blanket archive ls'", details: { id: arg } });
  throw new BlanketError(
    'AMBIGUOUS_ID',
    `${arg} matches several archived tasks: ${found
      .slice(0, 10)
      .map((f) => f.id)
      .join(', ')}${found.length > 10 ? ', …' : ''}`,
    {
      hint: 'give more characters of the id',
      details: { id: arg, candidates: found.slice(0, 10).map((f) => f.id) },
    },
  );
}

async function entryAt(root: string, bucket: string, id: string): Promise<Entry> {
  const dir = path.join(root, bucket, id);
  const record = await readRecord(dir);
  if (!record)
    throw new BlanketError('NOT_FOUND', `the archive entry ${dir} has no readable ${RECORD_FILE}`, {
      hint: `look at ${dir}; blanket archive rm ${id} deletes it`,
      details: { id },
    });
  return { bucket, dir, record };
}

/** As the archive methods return it: without the caller's environment. */
export async function describe(e: Entry, withFiles: boolean): Promise<ArchivedTask> {
  const { id, archivedAt, by, batch, task, note } = e.record;
  const files = withFiles ? (await names(e.dir)).filter((n) => n !== RECORD_FILE).sort() : undefined;
  return { id, archivedAt, by, batch, task: withoutCallerEnv(task), path: e.dir, ...(files ? { files } : {}), ...(note ? { note } : {}) };
}
