// Pure renderers for the archive: (data, now) → text.
import type { ArchivedTask, ArchiveList } from '../../protocol/archive.js';
import { formatDuration } from '../../core/duration.js';
import { bold, dim, table } from '../style.js';
import { colorState, renderShow, summary } from './task.js';

const ago = (ms: number): string => `${formatDuration(Math.max(0, ms))} ago`;

export function renderArchiveList(r: ArchiveList, now: number): string {
  if (r.entries.length === 0) return 'the archive is empty';
  const rows = [
    ['ID', 'STATE', 'TYPE', 'ARCHIVED', 'BY', 'COMMAND'].map(dim),
    ...r.entries.map((e) => [e.id, colorState(e.task.state), e.task.type, ago(now - e.archivedAt), e.by, summary(e.task, 50)]),
  ];
  const keep = r.keepMs === 0 ? 'kept for ever (archive.keep = 0)' : `kept ${formatDuration(r.keepMs)} (archive.keep)`;
  const more = r.total > r.entries.length ? `${r.entries.length} of ${r.total} archived tasks (-n for more)` : `${r.total} archived task${r.total === 1 ? '' : 's'}`;
  return `${table(rows)}\n${dim(`${more}; ${keep}`)}`;
}

export function renderArchiveShow(e: ArchivedTask, now: number): string {
  const head = table([
    [dim('archived'), `${new Date(e.archivedAt).toISOString()} (${ago(now - e.archivedAt)}) by ${e.by === 'rm' ? 'blanket rm' : '[retention] finished'}`],
    [dim('archive entry'), e.path],
    [dim('files'), e.files?.length ? e.files.join(', ') : '-'],
    ...(e.note ? [[dim('note'), e.note]] : []),
  ]);
  return `${bold('Archived')} ${dim(`(blanket archive restore ${e.id} brings it back)`)}\n${head}\n\n${renderShow({ task: e.task, dependents: [] }, now)}`;
}
