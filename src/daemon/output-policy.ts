// keep_output: what is kept of a task's output once it ends. on_failure drops the log files
// of a task that ends SUCCESS (files it wrote itself stay); never writes none (the worker
// sends the output to /dev/null). `logs` then answers OUTPUT_NOT_KEPT instead of nothing.
// And where it is kept: with daemons sharing a PostgreSQL store, in the home of the one whose
// worker ran the task (logs relay it, rm and retention leave it to that daemon).
import { rmSync } from 'node:fs';
import { isTerminal, type Task } from '../protocol/model.js';
import { BlanketError } from '../protocol/errors.js';
import { logFiles } from '../os/results.js';
import type { Store } from './store/store.js';

/** Its output is gone, or was never written: why, for `logs`; undefined when it is there. */
export function outputNotKept(task: Task): string | undefined {
  if (task.keepOutput === 'never') return `task ${task.id} keeps no output (keep_output = "never"): nothing was written`;
  if (task.keepOutput === 'on_failure' && task.state === 'SUCCESS')
    return `task ${task.id} ended SUCCESS and keeps output only on failure (keep_output = "on_failure"): its output was removed`;
  return undefined;
}

export function assertOutputKept(task: Task): void {
  const why = outputNotKept(task);
  if (why) {
    throw new BlanketError('OUTPUT_NOT_KEPT', why, {
      hint: `to keep it next time: blanket run --keep-output always …, or keep_output = "always" in type ${task.type}'s file`,
      details: { id: task.id, keepOutput: task.keepOutput },
    });
  }
}

/** Whether a task that just ended has its output dropped now. */
export function dropsOutput(task: Task): boolean {
  return task.keepOutput === 'on_failure' && task.state === 'SUCCESS';
}

/** Remove the log files of a task that ended SUCCESS under keep_output = on_failure. */
export function dropOutput(task: Task): void {
  if (!dropsOutput(task)) return;
  const files = logFiles(task);
  for (const f of new Set([files.stdout, files.stderr])) rmSync(f, { force: true });
}

/** Whether the task ran on another daemon sharing the PostgreSQL store (its output files are there). */
export function elsewhere(daemon: { host?: string }, task: Pick<Task, 'host'>): boolean {
  return task.host !== undefined && daemon.host !== undefined && task.host !== daemon.host;
}

/** The task ran on a host `hosts forget` forgot: its output stayed there (OUTPUT_ON_FORGOTTEN_HOST), not reachable (PEER_UNAVAILABLE). */
export async function assertNotForgotten(store: Pick<Store, 'forgottenHosts'>, task: Task): Promise<void> {
  if (task.host === undefined || !(await store.forgottenHosts()).includes(task.host)) return;
  throw new BlanketError(
    'OUTPUT_ON_FORGOTTEN_HOST',
    `the output of ${task.id} stayed on ${task.host}, the host that ran it, which was forgotten ('blanket hosts forget'): it cannot be read from any daemon`,
    {
      hint: `its record is kept ('blanket show ${task.id}'); if that host's disk still exists, the files are in ${task.resultDir} there`,
      details: { id: task.id, host: task.host },
    },
  );
}

/** This daemon reads no peer's output (store.peer_token unset): say where it is, instead of an empty log. */
export function outputThere(task: Task): BlanketError {
  return new BlanketError('OUTPUT_ON_OTHER_HOST', `the output of ${task.id} is on the daemon ${task.host}, which ${isTerminal(task.state) ? 'ran' : 'runs'} it`, {
    hint: `set the same store.peer_token on every host (and restart their daemons) to read it from here; or run 'blanket logs ${task.id}' on that host`,
    details: { id: task.id, host: task.host },
  });
}
