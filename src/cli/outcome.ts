// What exit code a command that waited for tasks gives back.
import { isTerminal, type Task } from '../protocol/model.js';
import { signalNumber } from '../core/signals.js';

/**
 * A task's exit code as a shell would see it: its own code; 128+N for a signal; 124 for a
 * timeout (like timeout(1)); 143 for a stop without a signal on record; 1 for LOST or SKIPPED.
 */
export function exitCodeOf(t: Task): number {
  switch (t.state) {
    case 'SUCCESS':
      return 0;
    case 'TIMEDOUT':
      return 124;
    case 'ERROR':
    case 'STOPPED': {
      if (t.exitCode !== undefined && t.exitCode !== null) return t.exitCode;
      const n = t.signal ? signalNumber(t.signal) : undefined;
      return n !== undefined ? 128 + n : t.state === 'STOPPED' ? 143 : 1;
    }
    default:
      return isTerminal(t.state) ? 1 : 0;
  }
}

/** One task: its code. Several: 0 when all succeeded, else the first failure's code. */
export function combinedExitCode(tasks: Task[]): number {
  for (const t of tasks) if (t.state !== 'SUCCESS') return exitCodeOf(t) || 1;
  return 0;
}
