// What a rerun copies from the task it repeats. Pure: the rerun handler submits the result.
import type { Task } from '../protocol/model.js';

/** Fields of one run of a task, not of what it runs: a new task starts them afresh. */
export const PER_RUN_FIELDS = [
  'id',
  'state',
  'reason',
  'attempt',
  'attempts',
  'waitingOn',
  'createdAt',
  'updatedAt',
  'claimedAt',
  'startedAt',
  'endedAt',
  'worker',
  'host',
  'pid',
  'pgid',
  'pidStart',
  'exitCode',
  'signal',
  'progress',
  'stopRequested',
  'stopSignal',
  'resultDir',
] as const satisfies readonly (keyof Task)[];

/**
 * Fields of what it runs that a rerun does not copy, on purpose: its dependencies have already
 * run (a rerun does not wait for them again), its not-before time has passed (a rerun runs now),
 * and a rerun is not a fire of its schedule (the schedule's overlap rules do not count it).
 */
export const NOT_RERUN_FIELDS = ['after', 'notBefore', 'schedule'] as const satisfies readonly (keyof Task)[];

type Dropped = (typeof PER_RUN_FIELDS)[number] | (typeof NOT_RERUN_FIELDS)[number];
export type RerunDraft = Omit<Task, Dropped> & { after: string[] };

/** A new task exactly like `old`: every field that defines the run is copied, whatever it is. */
export function rerunDraft(old: Task): RerunDraft {
  const copy: Record<string, unknown> = { ...old };
  for (const k of [...PER_RUN_FIELDS, ...NOT_RERUN_FIELDS]) delete copy[k];
  return { ...structuredClone(copy as Omit<Task, Dropped>), after: [] };
}
