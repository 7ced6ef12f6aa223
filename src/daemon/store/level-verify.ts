// The start-up check of a LevelDB store's files, before LevelDB opens them, and the cache of
// tables already checked whole (db.verified.json beside the store).
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { StoreError } from './store.js';
import { FilesChanged, isTableFile, verifyFilesSettled, type FileProblem } from './files/leveldb.js';

const describe = (p: FileProblem) => `${p.file}${p.offset !== undefined ? ` at byte ${p.offset}` : ''}: ${p.message}`;
const verifiedFile = (location: string) => `${location}.verified.json`;

export interface VerifyResult {
  /** Damage found in tables, which does not stop the open. */
  warnings: FileProblem[];
  /** Tables checked whole and sound, by name: their fingerprints, for the next start. */
  verified: Record<string, string>;
}

/**
 * Check the files before LevelDB opens them: opening replays the log (silently dropping a record
 * it cannot read) and rewrites files, so a store whose CURRENT, MANIFEST or log is damaged is
 * refused here, untouched. Tables are immutable: one checked whole before (listed in
 * db.verified.json with its size, modification time and inode) gets only its footer and its index
 * and meta blocks' checksums checked, so start-up costs what was written since the last start, not
 * the size of the store. A table rewritten since is checked whole again; damage that changes none
 * of those (bit rot) is for `db check`, which reads every block.
 */
export async function verifyBeforeOpen(location: string): Promise<VerifyResult> {
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
    if (err instanceof FilesChanged) return { warnings: [], verified: {} }; // a live LevelDB keeps rewriting it: its lock will refuse us
    throw err;
  }
  // Damage in a table does not stop a start: LevelDB opens the store as it is (opening rewrites
  // no table), a read that meets the damage answers STORE_CORRUPT, and `db check` / `db repair`
  // deal with it. CURRENT, the MANIFEST and the logs LevelDB would replay do stop it: opening would
  // start an empty store, or drop what the damaged log holds, and the evidence with it.
  const fatal = report.problems.filter((p) => !isTableFile(p.file));
  if (fatal.length > 0) {
    const list = fatal.slice(0, 3).map(describe);
    throw new StoreError(`the store at ${location} is damaged (${list.join('; ')}${fatal.length > 3 ? `; and ${fatal.length - 3} more` : ''})`, 'corrupt');
  }
  const damaged = new Set(report.problems.map((p) => p.file));
  const verified: Record<string, string> = {};
  // A damaged table is never remembered as checked: every start checks it whole again, and warns again.
  for (const [name, fp] of Object.entries(report.fingerprints)) if (!damaged.has(name) && (known[name] === fp || report.deepChecked.includes(name))) verified[name] = fp;
  return { warnings: report.problems, verified };
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
