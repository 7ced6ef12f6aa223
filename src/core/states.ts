// The one place a task's state changes. Pure: (task, event, env) → task.
import { isTerminal, type Attempt, type State, type Task, type TerminalState } from '../protocol/model.js';
import { retryDelay } from './backoff.js';
import { formatDuration } from './duration.js';

/** Who sends a worker's report: it applies only while that worker holds that attempt (the fence). */
export interface Reporter {
  worker: string;
  attempt: number;
}

export type TaskEvent =
  /** A worker took the task. */
  | { type: 'claim'; worker: string; at: number }
  /** The worker started its process. */
  | { type: 'start'; pid: number; pgid: number; pidStart?: number; at: number; by?: Reporter }
  /** A claim was given back before the process started (worker stopped, lost, or refused it). */
  | { type: 'unclaim'; at: number; reason: string; by?: Reporter }
  /** The process ended. `cause` says why: on its own, by the timeout, or by a user's kill. */
  | { type: 'exit'; at: number; exitCode: number | null; signal: string | null; cause: 'exit' | 'timeout' | 'killed'; reason?: string; by?: Reporter }
  /** A user asked to stop it. Ends a task that is not running; marks a running one for stopping (with the signal asked for). */
  | { type: 'kill'; at: number; reason?: string; signal?: string }
  /** Its worker vanished and the process could not be re-adopted; or (with `by`) its daemon stopped it, cut off from the store. */
  | { type: 'lost'; at: number; reason: string; by?: Reporter }
  /** A dependency ended: met when it succeeded, failed otherwise. `depReason` is why it ended (names the root of a skipped chain). */
  | { type: 'dependency'; at: number; dep: string; depState: TerminalState; depReason?: string }
  /** Its not-before time passed. */
  | { type: 'due'; at: number }
  | { type: 'progress'; at: number; percent: number; message: string };

export interface TransitionEnv {
  /** In [0, 1): jitter for retry backoff. */
  random: number;
}

/** `stale`: a worker's report for an attempt it does not hold (refused, never retried). */
export type TransitionResult = { ok: true; task: Task } | { ok: false; error: string; stale?: true };

const fail = (task: Task, event: TaskEvent): TransitionResult => ({
  ok: false,
  error: `cannot ${event.type} task ${task.id}: it is ${task.state}`,
});

export function transition(task: Task, event: TaskEvent, env: TransitionEnv): TransitionResult {
  const s = task.state;
  if ('by' in event && event.by !== undefined) {
    const { worker, attempt } = event.by;
    // A late report from a worker that lost the task (it was written off, maybe retried elsewhere or
    // by the same worker) must not end or change the attempt someone else now holds.
    if ((s !== 'CLAIMED' && s !== 'RUNNING') || task.worker !== worker || task.attempt !== attempt) {
      return {
        ok: false,
        stale: true,
        error: `stale ${event.type} report for task ${task.id} attempt ${attempt} from worker ${worker}: it is ${task.state}${task.worker ? ` on worker ${task.worker}` : ''}, attempt ${task.attempt}`,
      };
    }
  }
  switch (event.type) {
    case 'claim':
      if (s !== 'WAITING' || task.waitingOn.length > 0 || task.notBefore !== undefined) return fail(task, event);
      return ok(task, event.at, {
        state: 'CLAIMED',
        worker: event.worker,
        claimedAt: event.at,
        attempts: withAttempt(task, { worker: event.worker, claimedAt: event.at }),
      });
    case 'start':
      if (s !== 'CLAIMED') return fail(task, event);
      return ok(task, event.at, {
        state: 'RUNNING',
        startedAt: event.at,
        pid: event.pid,
        pgid: event.pgid,
        ...(event.pidStart !== undefined ? { pidStart: event.pidStart } : {}),
        attempts: withAttempt(task, { startedAt: event.at, pid: event.pid }),
      });
    case 'unclaim':
      if (s !== 'CLAIMED') return fail(task, event);
      return ok(task, event.at, {
        state: task.stopRequested ? 'STOPPED' : 'WAITING',
        worker: undefined,
        claimedAt: undefined,
        stopSignal: undefined,
        reason: event.reason,
        ...(task.stopRequested ? { endedAt: event.at } : {}),
        attempts: task.attempts.slice(0, -1),
      });
    case 'exit': {
      // From CLAIMED: the process could not be started at all.
      if (s !== 'RUNNING' && s !== 'CLAIMED') return fail(task, event);
      const outcome: TerminalState =
        event.cause === 'killed' || task.stopRequested ? 'STOPPED' : event.cause === 'timeout' ? 'TIMEDOUT' : event.exitCode === 0 && s === 'RUNNING' ? 'SUCCESS' : 'ERROR';
      const reason =
        event.reason ??
        (outcome === 'TIMEDOUT'
          ? `timed out after ${task.timeout}s`
          : outcome === 'ERROR'
            ? event.signal
              ? `killed by ${event.signal}`
              : `exited with code ${event.exitCode}`
            : outcome === 'STOPPED'
              ? 'stopped by user'
              : undefined);
      return finish(task, event.at, outcome, reason, { exitCode: event.exitCode, signal: event.signal }, env);
    }
    case 'kill':
      if (s === 'WAITING' || s === 'CLAIMED') {
        if (s === 'CLAIMED') return ok(task, event.at, { stopRequested: true, ...(event.signal ? { stopSignal: event.signal } : {}) });
        return ok(task, event.at, { state: 'STOPPED', endedAt: event.at, reason: event.reason ?? 'cancelled by user', notBefore: undefined });
      }
      if (s === 'RUNNING') return ok(task, event.at, { stopRequested: true, ...(event.signal ? { stopSignal: event.signal } : {}) });
      return fail(task, event);
    case 'lost':
      if (s !== 'RUNNING' && s !== 'CLAIMED') return fail(task, event);
      if (s === 'CLAIMED' && task.startedAt === undefined) {
        // Never started: nothing ran, so it simply goes back to the queue.
        return transition(task, { type: 'unclaim', at: event.at, reason: event.reason }, env);
      }
      return finish(task, event.at, task.stopRequested ? 'STOPPED' : 'LOST', event.reason, { exitCode: null, signal: null }, env);
    case 'dependency': {
      if (s !== 'WAITING' || !task.waitingOn.includes(event.dep)) return ok(task, task.updatedAt, {});
      if (event.depState === 'SUCCESS') return ok(task, event.at, { waitingOn: task.waitingOn.filter((d) => d !== event.dep) });
      return ok(task, event.at, {
        state: 'SKIPPED',
        endedAt: event.at,
        notBefore: undefined,
        reason: skipReason(event.dep, event.depState, event.depReason),
      });
    }
    case 'due':
      if (s !== 'WAITING' || task.notBefore === undefined) return fail(task, event);
      return ok(task, event.at, { notBefore: undefined });
    case 'progress':
      if (s !== 'RUNNING') return fail(task, event);
      return ok(task, event.at, { progress: { percent: event.percent, message: event.message, at: event.at } });
    default:
      return assertNever(event);
  }
}

/** End the current attempt; retry when the outcome allows it and attempts are left. */
function finish(
  task: Task,
  at: number,
  outcome: TerminalState,
  reason: string | undefined,
  exit: { exitCode: number | null; signal: string | null },
  env: TransitionEnv,
): TransitionResult {
  const attempts = withAttempt(task, { endedAt: at, outcome, ...exit, ...(reason ? { reason } : {}) });
  const retryable = outcome === 'ERROR' || outcome === 'TIMEDOUT' || outcome === 'LOST';
  const base = {
    attempts,
    worker: undefined,
    pid: undefined,
    pgid: undefined,
    pidStart: undefined,
    claimedAt: undefined,
    progress: undefined,
    stopRequested: undefined,
    stopSignal: undefined,
  };
  if (retryable && task.attempt <= task.retries) {
    const next = task.attempt + 1;
    const delay = retryDelay(task.retryBackoff, next, env.random);
    return ok(task, at, {
      ...base,
      state: 'WAITING',
      attempt: next,
      startedAt: undefined,
      notBefore: delay > 0 ? at + delay : undefined,
      reason: `attempt ${task.attempt} ended ${outcome}${reason ? ` (${reason})` : ''}; retry ${next - 1} of ${task.retries}`,
      ...exit,
    });
  }
  return ok(task, at, { ...base, state: outcome, endedAt: at, reason, ...exit });
}

function withAttempt(task: Task, patch: Partial<Attempt>): Attempt[] {
  const attempts = task.attempts.slice();
  const last = attempts[attempts.length - 1];
  if (last && last.attempt === task.attempt && last.outcome === undefined) attempts[attempts.length - 1] = { ...last, ...patch };
  else attempts.push({ attempt: task.attempt, ...patch });
  return attempts;
}

function ok(task: Task, at: number, patch: Partial<Task>): TransitionResult {
  const next: Task = { ...task, ...patch, updatedAt: at };
  for (const k of Object.keys(patch) as (keyof Task)[]) if (patch[k] === undefined) delete next[k];
  return { ok: true, task: next };
}

export function assertNever(x: never): never {
  throw new Error(`unexpected: ${JSON.stringify(x)}`);
}

/**
 * Why a task is SKIPPED when its dependency `dep` ended `depState`. When the
 * dependency was itself skipped, the reason names the task that failed first,
 * so the end of a long chain still says where it broke.
 */
export function skipReason(dep: string, depState: TerminalState, depReason?: string): string {
  if (depState !== 'SKIPPED') return `dependency ${dep} ended ${depState}`;
  const root = depReason === undefined ? undefined : (/(\S+ ended [A-Z]+)$/.exec(depReason)?.[1] ?? depReason);
  return root ? `dependency ${dep} was skipped, after ${root}` : `dependency ${dep} ended SKIPPED`;
}

/** Why a waiting task is not running yet, for ps and top. */
export function waitReason(task: Task, now: number): string | undefined {
  if (task.state !== 'WAITING') return undefined;
  if (task.waitingOn.length) return `waits for ${task.waitingOn.join(', ')}`;
  if (task.notBefore !== undefined) return task.notBefore > now ? `starts in ${inSeconds(task.notBefore - now)}` : 'due';
  return undefined;
}

/** "9m", "1h5m", "42s": whole seconds, rounded up (never "starts in 0s"). */
function inSeconds(ms: number): string {
  const s = Math.ceil(ms / 1000);
  return s < 60 ? `${s}s` : formatDuration(s * 1000);
}

export const ACTIVE_STATES: readonly State[] = ['CLAIMED', 'RUNNING'];
export { isTerminal };
