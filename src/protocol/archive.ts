// What the archive methods (archive.ls, archive.show, archive.restore, archive.rm, undo) return.
import type { Task } from './model.js';

/** Why a task went to the archive: `blanket rm`, or `[retention] finished`. */
export type ArchivedBy = 'rm' | 'retention';

/** A task in the archive: its record as it was when archived (without callerEnv), and when and why. */
export interface ArchivedTask {
  id: string;
  archivedAt: number;
  by: ArchivedBy;
  /** The rm call or retention pass that archived it: `undo` restores the last rm's batch. */
  batch: string;
  task: Task;
  /** The archive entry's directory: the task's result files and `.blanket-task`. */
  path: string;
  /** Names of the result files kept with it. */
  files?: string[];
  /** Why its result files are not here (its output stayed on the forgotten host that ran it). */
  note?: string;
}

export interface ArchiveList {
  /** Newest archived first (by the hour it was archived, then by id, newest first). */
  entries: ArchivedTask[];
  /** How many entries the archive holds. */
  total: number;
  /** When entries are cleaned away (archive.keep, ms; 0: never). */
  keepMs: number;
}

export interface RestoreResult {
  restored: string[];
}
