// The archive's layout and its pure decisions: which hour directory an entry goes to, what a
// name in it means, and which hour directories the `archive.keep` cleaning may drop whole.
//
//   archive/<YYYYMMDDTHH>/<id>/            one archived task: its result files and .blanket-task
//   archive/<YYYYMMDDTHH>/<id>.part        being archived (its result dir, moved here)
//   archive/<YYYYMMDDTHH>/<id>.restoring   being restored
//   archive/<YYYYMMDDTHH>/<id>.gone        being deleted for good
//   archive/.journal/<batch>.json          an archive or restore in progress (see docs/operations.md)
//   archive/.last-rm.json                  the batch the last rm archived (for undo)

export const RECORD_FILE = '.blanket-task';
export const HOUR_MS = 3_600_000;

/** The hour directory (UTC) of an entry archived at `ms`. */
export function bucketOf(ms: number): string {
  const iso = new Date(ms).toISOString(); // 2026-12-04T07:52:29.000Z
  return `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}T${iso.slice(11, 13)}`;
}

/** The start of an hour directory's hour, epoch ms; undefined when the name is not one. */
export function bucketStart(name: string): number | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})$/.exec(name);
  return m ? Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4])) : undefined;
}

export type EntryKind = 'entry' | 'part' | 'restoring' | 'gone';

/** What a name in an hour directory is. */
export function parseEntry(name: string): { id: string; kind: EntryKind } | undefined {
  const m = /^([0-9a-z]+)(?:\.(part|restoring|gone))?$/.exec(name);
  return m ? { id: m[1]!, kind: (m[2] as EntryKind | undefined) ?? 'entry' } : undefined;
}

/**
 * What the keep cleaning does with an hour directory: drop it whole when all of its hour is
 * older than the cutoff, look at its entries one by one when the cutoff falls inside it.
 */
export function bucketFate(name: string, cutoff: number): 'drop' | 'check' | 'keep' {
  const start = bucketStart(name);
  if (start === undefined) return 'keep';
  if (start + HOUR_MS <= cutoff) return 'drop';
  return start < cutoff ? 'check' : 'keep';
}

/** How often the daemon looks for archive entries older than `keepMs`: a 24th of it, from 1 s to 1 h. */
export function cleanIntervalMs(keepMs: number): number {
  return Math.min(HOUR_MS, Math.max(1000, Math.floor(keepMs / 24)));
}

/** The record a `.blanket-task` file holds. */
export interface ArchiveRecord<T> {
  version: 1;
  id: string;
  archivedAt: number;
  by: 'rm' | 'retention';
  batch: string;
  task: T;
  /** Why its result files are not in the entry (its output stayed on a forgotten host). */
  note?: string;
}
