// The layout of a task's result directory that the worker writes and the daemon reads.
import path from 'node:path';
import type { Task } from '../protocol/model.js';

/** The files a task's output goes to: stdout.log and stderr.log, or one output.log for both. */
export function logFiles(task: Pick<Task, 'resultDir' | 'combinedOutput'>): { stdout: string; stderr: string } {
  if (task.combinedOutput) {
    const f = path.join(task.resultDir, 'output.log');
    return { stdout: f, stderr: f };
  }
  return { stdout: path.join(task.resultDir, 'stdout.log'), stderr: path.join(task.resultDir, 'stderr.log') };
}
