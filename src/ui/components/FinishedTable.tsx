import type { Task } from '../../protocol/model.js';
import { ago, exitOf, took } from '../format.js';
import { stateColour, type Theme } from '../theme.js';
import { Table, type TableColumn } from './Table.js';

export interface FinishedTableProps {
  /** Latest first. */
  tasks: Task[];
  /** How many older ones the daemon holds beyond those loaded. */
  more: number;
  selected: number;
  focused: boolean;
  height: number;
  width: number;
  now: number;
  theme: Theme;
}

const COLUMNS: TableColumn[] = [
  { key: 'id', label: 'ID', width: 8 },
  { key: 'type', label: 'TYPE', width: 12 },
  { key: 'state', label: 'STATE', width: 8 },
  { key: 'exit', label: 'EXIT', width: 7, align: 'right' },
  { key: 'took', label: 'TOOK', width: 7, align: 'right' },
  { key: 'ended', label: 'ENDED', width: 10, align: 'right', drop: 2 },
  { key: 'label', label: 'LABEL', width: 6, flex: true, drop: 1 },
];

/** Recently finished tasks with state, exit code and duration. */
export function FinishedTable({ tasks, more, selected, focused, height, width, now, theme }: FinishedTableProps) {
  const title = more > 0 ? `FINISHED ${tasks.length}+${more}` : `FINISHED ${tasks.length}`;
  return (
    <Table
      title={title}
      {...(tasks.length ? {} : { note: 'none yet' })}
      columns={COLUMNS}
      items={tasks}
      toRow={(t) => {
        const colour = stateColour(t.state);
        return {
          key: t.id,
          cells: {
            id: { text: t.id },
            type: { text: t.type, color: 'cyan' },
            state: { text: t.state, ...(colour ? { color: colour } : {}) },
            exit: { text: exitOf(t) },
            took: { text: took(t) },
            ended: { text: t.endedAt !== undefined ? ago(now - t.endedAt) : '-' },
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
