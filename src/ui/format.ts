// Short human strings for table cells.
import { formatDuration } from '../core/duration.js';
import type { Task } from '../protocol/model.js';

export function elapsed(ms: number): string {
  return formatDuration(Math.max(0, ms));
}

export function ago(ms: number): string {
  return `${formatDuration(Math.max(0, ms)).replace(/\.\d+s$/, 's')} ago`;
}

/** Exit code or signal of a finished task. */
export function exitOf(t: Task): string {
  if (t.signal) return t.signal;
  if (t.exitCode !== undefined && t.exitCode !== null) return String(t.exitCode);
  return '-';
}

export function took(t: Task): string {
  return t.startedAt !== undefined && t.endedAt !== undefined ? elapsed(t.endedAt - t.startedAt) : '-';
}
