import type { Task } from '../../protocol/model.js';
import { elapsed } from '../format.js';
import type { Theme } from '../theme.js';
import { progressSegments } from './Row.js';
import { Table, type TableColumn } from './Table.js';

export interface RunningTableProps {
  tasks: Task[];
  /** Index of the selected task in `tasks`, -1 for none. */
  selected: number;
  /** Whether the task list has the keyboard. */
  focused: boolean;
  /** Rows for tasks, below the title. */
  height: number;
  width: number;
  now: number;
  /** Worker names by id, to show a name rather than an id (default: ids). */
  workerNames?: ReadonlyMap<string, string>;
  theme: Theme;
}

const COLUMNS: TableColumn[] = [
  { key: 'id', label: 'ID', width: 8 },
  { key: 'type', label: 'TYPE', width: 12 },
  { key: 'worker', label: 'WORKER', width: 10, drop: 2 },
  { key: 'elapsed', label: 'ELAPSED', width: 7, align: 'right' },
  { key: 'progress', label: 'PROGRESS', width: 15, drop: 1 },
  { key: 'label', label: 'LABEL', width: 8, flex: true, drop: 3 },
];

/** Claimed and running tasks in start order, with progress bars. */
export function RunningTable({ tasks, selected, focused, height, width, now, workerNames, theme }: RunningTableProps) {
  return (
    <Table
      title={`RUNNING ${tasks.length}`}
      {...(tasks.length ? {} : { note: 'nothing running' })}
      columns={COLUMNS}
      items={tasks}
      toRow={(t) => {
        const since = t.startedAt ?? t.claimedAt;
        return {
          key: t.id,
          cells: {
            id: { text: t.id },
            type: { text: t.type, color: 'cyan' },
            worker: { text: t.worker !== undefined ? (workerNames?.get(t.worker) ?? t.worker) : '-' },
            elapsed: { text: t.state === 'CLAIMED' ? 'claimed' : since !== undefined ? elapsed(now - since) : '-' },
            progress: { text: '', segments: progressSegments(t.progress?.percent, 15) },
            label: { text: [t.label, t.progress?.message].filter(Boolean).join(' · ') },
          },
        };
      }}
      selected={selected}
      focused={focused}
      height={height}
      width={width}
      theme={theme}
    />
  );
}
