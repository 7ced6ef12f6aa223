import type { Handler } from '../../context.js';
import { applyReport, claimFor, ownWorker } from './common.js';

/**
 * A task's process ended. With `claim`, the reply also carries up to that many next tasks for the
 * worker (as `worker.claim` would), so a slot goes from one task to the next in one round trip.
 * Fenced: an exit for an attempt the worker no longer holds is refused (STALE_REPORT), so a late
 * report from a worker that was written off cannot end the retry another worker runs.
 */
export const workerFinished: Handler<'worker.finished'> = async (p, ctx) => {
  ownWorker(ctx, p.worker);
  await applyReport(ctx, p.id, {
    type: 'exit',
    at: p.at,
    exitCode: p.exitCode,
    signal: p.signal,
    cause: p.cause,
    by: { worker: p.worker, attempt: p.attempt },
    ...(p.reason ? { reason: p.reason } : {}),
  });
  if (!p.claim) return { ok: true };
  // The exit is stored: a failed claim must not make the worker send it again. Without `tasks`
  // the worker claims on its own (and retries that).
  const tasks = await claimFor(ctx, p.worker, p.claim).catch(() => undefined);
  return tasks ? { ok: true, tasks } : { ok: true };
};
