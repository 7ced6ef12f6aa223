import type { WorkerInfo, WorkerState } from '../data.js';
import { elapsed } from '../format.js';
import type { Colour, Theme } from '../theme.js';
import { Table, type TableColumn } from './Table.js';

export interface WorkersTableProps {
  /** Undefined when the daemon does not list workers. */
  workers: WorkerInfo[] | undefined;
  /** Slots in use per worker id (default: each worker's own list). */
  busy?: ReadonlyMap<string, number>;
  selected: number;
  focused: boolean;
  height: number;
  width: number;
  now: number;
  theme: Theme;
}

const COLUMNS: TableColumn[] = [
  { key: 'name', label: 'NAME', width: 12 },
  { key: 'state', label: 'STATE', width: 8 },
  { key: 'slots', label: 'SLOTS', width: 5, align: 'right' },
  { key: 'beat', label: 'BEAT', width: 6, align: 'right' },
  { key: 'pid', label: 'PID', width: 7, align: 'right', drop: 1 }, // a remote worker's host
  { key: 'tags', label: 'TAGS', width: 10, flex: true },
];

/** A heartbeat older than this is shown as a warning. */
export const STALE_BEAT_MS = 30_000;

const STATE_COLOUR: Record<WorkerState, Colour | undefined> = { running: 'green', paused: 'yellow', stopping: 'yellow', stopped: undefined, lost: 'red' };

/** Workers with their state, slots used/total, heartbeat age and tags. */
export function WorkersTable({ workers, busy, selected, focused, height, width, now, theme }: WorkersTableProps) {
  const list = workers ?? [];
  return (
    <Table
      title={`WORKERS ${list.length}`}
      titleSpan={1}
      {...(list.length ? {} : { note: workers ? 'no workers' : 'this daemon does not list workers' })}
      columns={COLUMNS}
      items={list}
      toRow={(w) => {
        const age = now - w.heartbeatAt;
        const live = w.state === 'running' || w.state === 'paused';
        const colour = STATE_COLOUR[w.state];
        return {
          key: w.id,
          cells: {
            name: { text: w.name },
            state: { text: w.state, ...(colour ? { color: colour } : {}) },
            slots: { text: `${busy?.get(w.id) ?? w.running.length}/${w.slots}` },
            beat: { text: !live ? '-' : age < 1000 ? '<1s' : elapsed(age).replace(/\.\d+s$/, 's'), ...(live && age > STALE_BEAT_MS ? { color: 'red' as const } : {}) },
            pid: { text: w.local ? (w.pid !== undefined ? String(w.pid) : '-') : (w.host ?? 'remote') },
            tags: { text: w.tags.join(',') },
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
