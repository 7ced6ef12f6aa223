// The environment an ad-hoc task takes from the CLI that submits it, and what of it clients see.
import type { Task } from '../protocol/model.js';

/**
 * Variables of the submitting process that are blanket's own plumbing, not the user's: a worker's
 * private handshake variables, and a task's BLANKET_APP_* (when `blanket run` is called inside a
 * task; the worker sets the new task's own).
 */
export function isPrivateEnvName(name: string): boolean {
  return name === 'BLANKET_READY_FD' || name === 'BLANKET_WORKER_ID' || name.startsWith('BLANKET_APP_');
}

/** The environment `run --` records with an ad-hoc task: the caller's, minus blanket's plumbing. */
export function captureEnv(env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined && k !== '' && !k.includes('=') && !isPrivateEnvName(k)) out[k] = v;
  return out;
}

/** A task as clients get it: without the values of the captured environment (they may hold secrets). */
export function withoutCallerEnv(task: Task): Task {
  if (task.callerEnv === undefined) return task;
  const { callerEnv: _values, ...rest } = task;
  return rest;
}
