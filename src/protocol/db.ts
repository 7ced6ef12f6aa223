// Results of the store maintenance methods (db.check, db.repair, db.backup, db.dump).
import type { State } from './model.js';

export interface DbProblem {
  /** file: LevelDB's files (checksums, MANIFEST); record: a task record; index, counter, group, meta, key: what is derived from records. */
  kind: 'file' | 'record' | 'index' | 'counter' | 'group' | 'meta' | 'key';
  message: string;
  file?: string;
  offset?: number;
  key?: string;
}

export interface DbCheckResult {
  ok: boolean;
  location: string;
  /** Through the running daemon, or by opening the store directly (no daemon ran). */
  via: 'daemon' | 'direct';
  tasks: number;
  keys: number;
  counts: Record<State, number>;
  files: { manifest?: string; tables: number; logs: number; blocks: number; bytes: number };
  problems: DbProblem[];
  /** More problems were found than are listed. */
  moreProblems: number;
  ms: number;
}

export interface DbRepairResult {
  via: 'daemon' | 'direct';
  location: string;
  /** The copy made before anything was changed. */
  backup: string;
  /** The files were damaged: commits and table blocks whose checksums fail were dropped, and LevelDB's own repair rebuilt its file list. */
  leveldbRepaired: boolean;
  /** What was dropped from the files, one line each (damaged commits of a log, damaged blocks of a table). */
  dropped: string[];
  tasks: number;
  /** Records that could not be read as tasks, removed (they are in the backup); at most 1000 listed. */
  removed: Array<{ key: string; reason: string }>;
  removedCount: number;
  /** Index keys, counters and queue groups written from the task records. */
  rebuilt: { indexKeys: number; counters: number; groups: number };
  problemsBefore: number;
  problemsAfter: number;
  ms: number;
}

export interface DbBackupResult {
  via: 'daemon' | 'direct';
  /** A LevelDB directory: stop the daemon and put it in place of the store to restore it. */
  path: string;
  keys: number;
  tasks: number;
  bytes: number;
  ms: number;
}

export const DUMP_KINDS = ['task', 'meta', 'index', 'all'] as const;
export type DumpKind = (typeof DUMP_KINDS)[number];

export interface DbDumpPage {
  /** task: the task records (or {key, error, raw} for one that cannot be read); other kinds: {key, value}. */
  records: unknown[];
  /** Pass as `after` for the next page; absent on the last. */
  next?: string;
}
