import type { Handler } from '../../context.js';
import type { Task } from '../../../protocol/model.js';
import { claimFor } from '../../workers/claim.js';
import type { TaskEvent } from '../../../core/states.js';
import { applyReport, ownWorker } from './common.js';

/**
 * A task's process ended. With `claim`, the reply also carries up to that many next tasks for the
 * worker (as `worker.claim` would), so a slot goes from one task to the next in one round trip; the
 * exit and the first of them are one store batch. Fenced: an exit for an attempt the worker no
 * longer holds is refused (STALE_REPORT), so a late report from a worker that was written off
 * cannot end the retry another worker runs.
 */
export const workerFinished: Handler<'worker.finished'> = async (p, ctx) => {
  ownWorker(ctx, p.worker);
  const fence = ctx.daemon.fence;
  if (!fence) return finished(p, ctx);
  // Known ended (see peers.ts drop) until the report is stored; kept when the store could not
  // take it (the worker sends it again) or refused it (a peer took the task over: the worker's
  // slot stays taken until this daemon drops the task, which forgets it then).
  fence.exited(p.id);
  try {
    const r = await finished(p, ctx);
    fence.settled(p.id);
    return r;
  } catch (err) {
    // Refused after this daemon dropped the task already: nothing will forget it later.
    if (!ctx.daemon.workers.get(p.worker)?.running.includes(p.id)) fence.settled(p.id);
    throw err;
  }
};

const finished: Handler<'worker.finished'> = async (p, ctx) => {
  const by = { worker: p.worker, attempt: p.attempt };
  // Stopped by its own daemon, cut off from the store (peers.ts): the attempt ends LOST (retried
  // by policy), not as the process's own end; refused (stale) if a peer took it over meanwhile.
  const lost = ctx.daemon.fence?.lostReason(p.id, p.cause, p.at);
  const event: TaskEvent & { by: typeof by } = lost
    ? { type: 'lost', at: p.at, reason: lost, by }
    : {
        type: 'exit' as const,
        at: p.at,
        exitCode: p.exitCode,
        signal: p.signal,
        cause: p.cause,
        by,
        ...(p.reason ? { reason: p.reason } : {}),
      };
  if (!p.claim) {
    await applyReport(ctx, p.id, event);
    return { ok: true };
  }
  const { workers, engine } = ctx.daemon;
  // Within the worker's claims (one at a time), counting the slot this exit frees.
  // null: the claim did not happen; without `tasks` the worker claims on its own (and retries that).
  const first = await workers.claims.run(p.worker, async (): Promise<Task | undefined | null> => {
    const w = workers.get(p.worker);
    const free = w !== undefined && w.state === 'running' && w.running.filter((t) => t !== p.id).length < w.slots;
    if (free) {
      try {
        return (await engine.applyThenClaim(p.id, event, w.id, w.tags)).claimed;
      } catch {
        // Nothing was written (a full disk, a refused report): the report alone says why (below).
      }
    }
    await applyReport(ctx, p.id, event);
    return free ? null : undefined;
  });
  if (first === null) return { ok: true };
  // The exit is stored: a failed claim must not make the worker send it again.
  if (p.claim === 1 || first === undefined) return { ok: true, tasks: first ? [first] : [] };
  const more = await claimFor(workers, engine, p.worker, p.claim - 1).catch(() => undefined);
  return more ? { ok: true, tasks: [first, ...more] } : { ok: true, tasks: [first] };
};
