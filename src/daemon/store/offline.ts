// `blanket db …` with no daemon running: the store is opened here, in the
// CLI's process, holding LevelDB's lock (so no daemon can start meanwhile),
// and closed again. A store whose files are damaged is never opened to be
// checked: opening would replay and rewrite them.
import { existsSync } from 'node:fs';
import { ClassicLevel } from 'classic-level';
import type { DbBackupResult, DbCheckResult, DbDumpPage, DbProblem, DbRepairResult } from '../../protocol/db.js';
import { BlanketError } from '../../protocol/errors.js';
import { STATES, type State } from '../../protocol/model.js';
import { copyFiles, copyStore } from './backup.js';
import { checkStore } from './check.js';
import { dumpPage, type DumpQuery } from './dump.js';
import { dropDamaged, verifyFilesSettled } from './files/leveldb.js';
import { rebuildDerived } from './repair.js';

type Db = ClassicLevel<string, unknown>;

/** A daemon holds the store: the caller should go through it instead. */
export class StoreBusy extends Error {}

async function withDb<T>(location: string, fn: (db: Db) => Promise<T>): Promise<T> {
  if (!existsSync(location)) throw new BlanketError('NOT_FOUND', `there is no store at ${location}`, { hint: 'it is created when the daemon first starts' });
  const db = new ClassicLevel<string, unknown>(location, { valueEncoding: 'json', createIfMissing: false });
  try {
    await db.open();
  } catch (err) {
    const code = (err as { cause?: { code?: string } }).cause?.code;
    if (code === 'LEVEL_LOCKED') throw new StoreBusy();
    throw new BlanketError('STORE_CORRUPT', `cannot open the store at ${location}: ${(err as { cause?: Error }).cause?.message ?? (err as Error).message}`, {
      hint: "run 'blanket db repair'",
    });
  }
  try {
    return await fn(db);
  } finally {
    await db.close();
  }
}

function fileProblems(location: string, report: Awaited<ReturnType<typeof verifyFilesSettled>>): DbCheckResult {
  const problems: DbProblem[] = report.problems.map((p) => ({ kind: 'file', file: p.file, ...(p.offset !== undefined ? { offset: p.offset } : {}), message: p.message }));
  return {
    ok: false,
    location,
    via: 'direct',
    tasks: 0,
    keys: 0,
    counts: Object.fromEntries(STATES.map((s) => [s, 0])) as Record<State, number>,
    files: {
      ...(report.manifest ? { manifest: report.manifest } : {}),
      tables: Object.keys(report.tables).length,
      logs: report.logs.length,
      blocks: report.blocks,
      bytes: report.bytes,
    },
    problems,
    moreProblems: 0,
    ms: 0,
  };
}

export async function offlineCheck(location: string): Promise<DbCheckResult> {
  const started = Date.now();
  const files = await verifyFilesSettled(location);
  if (files.problems.length > 0) return { ...fileProblems(location, files), ms: Date.now() - started };
  return withDb(location, (db) => checkStore(db, location, 'direct'));
}

export async function offlineBackup(location: string, dest: string): Promise<DbBackupResult> {
  const started = Date.now();
  const r = await withDb(location, (db) => copyStore(db, dest));
  return { via: 'direct', path: dest, ...r, ms: Date.now() - started };
}

/** Every page of a dump, from one open of the store. */
export async function offlineDump(location: string, q: DumpQuery, onPage: (page: DbDumpPage) => void): Promise<void> {
  await withDb(location, async (db) => {
    for (let after = q.after; ;) {
      const page = await dumpPage(db, { ...q, ...(after !== undefined ? { after } : {}) });
      onPage(page);
      if (page.next === undefined) return;
      after = page.next;
    }
  });
}

/**
 * Copy the files aside, then, when they are damaged: drop the commits and table blocks whose
 * checksums fail (dropDamaged), and let LevelDB's own repair rebuild its MANIFEST from what is
 * left. Then rebuild what is derived from the records, and compact, so every table is rewritten
 * with fresh checksums.
 */
export async function offlineRepair(location: string, backupDir: string): Promise<DbRepairResult> {
  const started = Date.now();
  if (!existsSync(location)) throw new BlanketError('NOT_FOUND', `there is no store at ${location}`);
  const before = await offlineCheck(location).catch((err) => {
    if (err instanceof StoreBusy) throw err;
    return undefined; // cannot even be opened: LevelDB's repair is for that
  });
  await copyFiles(location, backupDir);
  const filesBad = before === undefined || before.problems.some((p) => p.kind === 'file');
  let dropped: string[] = [];
  if (filesBad) {
    try {
      dropped = await dropDamaged(location, await verifyFilesSettled(location));
      await ClassicLevel.repair(location);
    } catch (err) {
      throw new BlanketError('STORE_CORRUPT', `LevelDB could not repair ${location}: ${(err as Error).message}`, { hint: `the files as they were are in ${backupDir}` });
    }
  }
  const r = await withDb(location, async (db) => {
    const res = await rebuildDerived(db);
    await db.compactRange('', '\xff\xff');
    return res;
  });
  const after = await offlineCheck(location);
  return {
    via: 'direct',
    location,
    backup: backupDir,
    leveldbRepaired: filesBad,
    dropped,
    ...r,
    problemsBefore: before ? before.problems.length + before.moreProblems : 1,
    problemsAfter: after.problems.length + after.moreProblems,
    ms: Date.now() - started,
  };
}
