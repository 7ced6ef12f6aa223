// The start-up check of a LevelDB store's files, before LevelDB opens them, and the cache of
// tables already checked whole (db.verified.json beside the store).
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { StoreError } from './store.js';
import { backupName, keepFiles } from './backup.js';
import { FilesChanged, isTableFile, verifyFilesSettled, type FileProblem } from './files/leveldb.js';

const describe = (p: FileProblem) => `${p.file}${p.offset !== undefined ? ` at byte ${p.offset}` : ''}: ${p.message}`;
const verifiedFile = (location: string) => `${location}.verified.json`;

export interface VerifyResult {
  /** Damage found in tables, which does not stop the open. */
  warnings: FileProblem[];
  /** Tables checked whole and sound, by name: their fingerprints, for the next start. */
  verified: Record<string, string>;
  /** Damage found in write-ahead logs LevelDB replays, which does not stop the open either (see below). */
  logWarnings: FileProblem[];
  /** Where the store's files were kept as they were, before LevelDB replayed a damaged log: a home whose db/ holds them. */
  kept?: string;
}

export interface KeepOptions {
  /** Where a copy of a store with a damaged log is kept before it is opened (the backups directory); without it such a store is refused. */
  keepDamagedIn?: string;
  now?: () => number;
}

/**
 * Check the files before LevelDB opens them. A store LevelDB itself opens is never refused: damage
 * in CURRENT or the MANIFEST is refused here, untouched (LevelDB refuses those too, or starts an
 * empty store over a missing CURRENT); damage in a table is a warning; damage in a write-ahead log
 * LevelDB would replay is a warning too, but opening replays the log, drops what it cannot read and
 * deletes the log, so the files are first copied as they are into `keepDamagedIn` (a
 * `damaged-<time>` home). If that copy cannot be made, the store is refused, untouched. Tables are immutable: one checked whole before (listed in
 * db.verified.json with its size, modification time and inode) gets only its footer and its index
 * and meta blocks' checksums checked, so start-up costs what was written since the last start, not
 * the size of the store. A table rewritten since is checked whole again; damage that changes none
 * of those (bit rot) is for `db check`, which reads every block.
 */
export async function verifyBeforeOpen(location: string, opts: KeepOptions = {}): Promise<VerifyResult> {
  let known: Record<string, string> = {};
  try {
    known = (JSON.parse(readFileSync(verifiedFile(location), 'utf8')) as { tables?: Record<string, string> }).tables ?? {};
  } catch {
    // none yet: check every table whole
  }
  let report;
  try {
    report = await verifyFilesSettled(location, { deep: (name, fingerprint) => known[name] !== fingerprint });
  } catch (err) {
    if (err instanceof FilesChanged) return { warnings: [], logWarnings: [], verified: {} }; // a live LevelDB keeps rewriting it: its lock will refuse us
    throw err;
  }
  // Damage in a table does not stop a start: LevelDB opens the store as it is (opening rewrites
  // no table), a read that meets the damage answers STORE_CORRUPT, and `db check` / `db repair`
  // deal with it. CURRENT and the MANIFEST do stop it: LevelDB refuses a damaged MANIFEST, and
  // over a missing or wrong CURRENT it would start an empty store (deleting the old files).
  const isLog = (file: string) => report.logs.includes(file);
  const fatal = report.problems.filter((p) => !isTableFile(p.file) && !isLog(p.file));
  if (fatal.length > 0) {
    const list = fatal.slice(0, 3).map(describe);
    throw new StoreError(`the store at ${location} is damaged (${list.join('; ')}${fatal.length > 3 ? `; and ${fatal.length - 3} more` : ''})`, 'corrupt');
  }
  // A damaged log: LevelDB (paranoid checks off) replays what it can read, drops the rest of each
  // damaged 32 KB block, and deletes the log. The start goes on, once the evidence is kept.
  const logWarnings = report.problems.filter((p) => isLog(p.file));
  let kept: string | undefined;
  if (logWarnings.length > 0) {
    const logs = [...new Set(logWarnings.map((p) => p.file))].join(', ');
    const what = `the store at ${location} has a damaged write-ahead log (${logWarnings.slice(0, 3).map(describe).join('; ')})`;
    if (opts.keepDamagedIn === undefined)
      throw new StoreError(`${what}; opening it would drop what ${logs} holds past the damage, and no place was given to keep a copy first`, 'corrupt');
    kept = backupName(opts.keepDamagedIn, 'damaged-', opts.now?.() ?? Date.now());
    try {
      await keepFiles(location, kept);
    } catch (err) {
      throw new StoreError(
        `${what}, and a copy of its files could not be kept before opening it (which drops what ${logs} holds past the damage): ${(err as Error).message}; ` +
          `make room in ${opts.keepDamagedIn} (or set [backup] dir elsewhere) and start again, or run 'blanket db repair'`,
        'corrupt',
        { cause: err },
      );
    }
  }
  const damaged = new Set(report.problems.map((p) => p.file));
  const verified: Record<string, string> = {};
  // A damaged table is never remembered as checked: every start checks it whole again, and warns again.
  for (const [name, fp] of Object.entries(report.fingerprints)) if (!damaged.has(name) && (known[name] === fp || report.deepChecked.includes(name))) verified[name] = fp;
  return { warnings: report.problems.filter((p) => isTableFile(p.file)), logWarnings, verified, ...(kept !== undefined ? { kept } : {}) };
}

/** Remember the tables checked whole, once the store has opened. */
export function saveVerified(location: string, verified: Record<string, string>): void {
  const file = verifiedFile(location);
  try {
    writeFileSync(`${file}.tmp`, JSON.stringify({ tables: verified }) + '\n');
    renameSync(`${file}.tmp`, file);
  } catch {
    // only a cache: the next start checks those tables whole again
  }
}
