// keep_output: what is kept of a task's output once it ends. on_failure drops the log files
// of a task that ends SUCCESS (files it wrote itself stay); never writes none (the worker
// sends the output to /dev/null). `logs` then answers OUTPUT_NOT_KEPT instead of nothing.
import { rmSync } from 'node:fs';
import type { Task } from '../protocol/model.js';
import { BlanketError } from '../protocol/errors.js';
import { logFiles } from '../os/results.js';

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
