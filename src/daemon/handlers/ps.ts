import { withoutCallerEnv } from '../../core/callerenv.js';
import type { Handler } from '../context.js';
import { canRunSomewhere } from '../submit.js';
import { rateLimitedText } from '../../core/dispatch.js';

/** The store's sections, plus why runnable queued tasks are not running yet (no worker, max_concurrent, rate limit). */
export const ps: Handler<'ps'> = async (params, { daemon }) => {
  const stored = await daemon.store.ps(params);
  const r = { ...stored, running: stored.running.map(withoutCallerEnv), queued: stored.queued.map(withoutCallerEnv), finished: stored.finished.map(withoutCallerEnv) };
  const reasons: Record<string, string> = {};
  const activeByType = new Map<string, number>();
  for (const t of r.running) activeByType.set(t.type, (activeByType.get(t.type) ?? 0) + 1);
  const held = r.queued.length ? await daemon.engine.rateLimited() : {};
  for (const t of r.queued) {
    if (t.waitingOn.length || t.notBefore !== undefined) continue;
    if (!canRunSomewhere(daemon, t.tags)) reasons[t.id] = `no worker has tags ${t.tags.join(',')}`;
    else if (t.maxConcurrent > 0 && (activeByType.get(t.type) ?? 0) >= t.maxConcurrent) reasons[t.id] = `max_concurrent (${t.maxConcurrent} running)`;
    else if (held[t.type] !== undefined) reasons[t.id] = rateLimitedText(held[t.type]!, daemon.now());
  }
  return Object.keys(reasons).length ? { ...r, reasons } : r;
};
