import type { Task } from '../../protocol/model.js';
import type { Theme } from '../theme.js';
import { Table, type TableColumn } from './Table.js';

export interface QueueTableProps {
  /** Waiting tasks in the order they will run. */
  tasks: Task[];
  /** Why each waits, by id. */
  waits: ReadonlyMap<string, string>;
  /** How many more the daemon holds beyond those loaded (0 when unknown). */
  more: number;
  selected: number;
  focused: boolean;
  height: number;
  width: number;
  theme: Theme;
}

const COLUMNS: TableColumn[] = [
  { key: 'id', label: 'ID', width: 8 },
  { key: 'type', label: 'TYPE', width: 12 },
  { key: 'prio', label: 'PRIO', width: 4, align: 'right', drop: 2 },
  { key: 'why', label: 'WAITS FOR', width: 18, flex: true },
  { key: 'label', label: 'LABEL', width: 12, drop: 1 },
];

/** Queued tasks in run order, each with why it waits. */
export function QueueTable({ tasks, waits, more, selected, focused, height, width, theme }: QueueTableProps) {
  const title = more > 0 ? `QUEUED ${tasks.length}+${more}` : `QUEUED ${tasks.length}`;
  return (
    <Table
      title={title}
      {...(tasks.length ? {} : { note: 'queue empty' })}
      columns={COLUMNS}
      items={tasks}
      toRow={(t) => {
        const why = waits.get(t.id) ?? '';
        return {
          key: t.id,
          cells: {
            id: { text: t.id },
            type: { text: t.type, color: 'cyan' },
            prio: { text: String(t.priority) },
            why: { text: why, ...(why === 'ready' ? { dim: true } : { color: 'yellow' as const }) },
            label: { text: t.label ?? '' },
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
