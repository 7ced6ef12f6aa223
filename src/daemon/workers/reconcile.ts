// Bringing the store in line with what a (re)registering worker really holds.
import { BlanketError } from '../../protocol/errors.js';
import { isTerminal, type HeldTask, type WorkerInfo } from '../../protocol/model.js';
import type { Daemon } from '../context.js';

export async function reconcile(daemon: Daemon, workerId: string, held: HeldTask[]): Promise<void> {
  const { engine, store, log } = daemon;
  const at = daemon.now();
  const heldIds = new Set(held.map((h) => h.id));
  for (const h of held) {
    const task = await store.get(h.id);
    if (!task) continue;
    // The fence: the same worker id may hold a later attempt now (it was written off, came back and claimed the retry).
    const ours = task.worker === workerId && task.attempt === h.attempt && (task.state === 'CLAIMED' || task.state === 'RUNNING');
    if (!ours) {
      // Written off while the worker was away (LOST, maybe retried elsewhere): its process must not go on.
      if (!h.exit) daemon.workers.send(workerId, { action: 'kill', id: h.id, signal: 'SIGKILL' });
      log.warn('worker held a task the daemon had written off', { worker: workerId, task: h.id, attempt: h.attempt, state: task.state, current: task.attempt });
      continue;
    }
    const by = { worker: workerId, attempt: h.attempt };
    try {
      if (task.state === 'CLAIMED' && h.pid !== undefined) {
        await engine.apply(h.id, { type: 'start', pid: h.pid, pgid: h.pgid ?? h.pid, at: h.startedAt ?? at, by, ...(h.pidStart !== undefined ? { pidStart: h.pidStart } : {}) });
      }
      if (h.exit) await engine.apply(h.id, { type: 'exit', at: h.exit.at, exitCode: h.exit.exitCode, signal: h.exit.signal, cause: h.exit.cause, by });
    } catch (err) {
      log.warn('could not reconcile a held task', { worker: workerId, task: h.id, err: String(err) });
    }
  }
  for (const task of await store.active(workerId)) {
    if (heldIds.has(task.id) || isTerminal(task.state)) continue;
    // CLAIMED and never started: back to the queue. Started (even if never reported) or RUNNING: LOST, its group killed.
    await engine.writeOff(task, task.state === 'CLAIMED' ? `worker ${workerId} restarted before starting it` : `worker ${workerId} came back without it`);
  }
  // What it holds now, from the store: the count of its busy slots (after a daemon restart the
  // registry starts empty, and a worker still running tasks must not be given more than its slots),
  // and kills asked for while it was away, delivered now.
  const active = await store.active(workerId);
  daemon.workers.setRunning(
    workerId,
    active.map((t) => t.id),
  );
  for (const task of active) {
    if (!task.stopRequested || task.state !== 'RUNNING') continue;
    daemon.workers.send(workerId, { action: 'kill', id: task.id, signal: task.stopSignal ?? 'SIGTERM' });
    log.info('delivered a kill requested while the worker was away', { worker: workerId, task: task.id, signal: task.stopSignal ?? 'SIGTERM' });
  }
}

/** Resolve when the worker has registered, or fail after the timeout. */
export function waitForWorker(daemon: Daemon, id: string, timeoutMs: number): Promise<WorkerInfo> {
  const now = daemon.workers.get(id);
  if (now && now.state === 'running') return Promise.resolve(now);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new BlanketError('INTERNAL', `worker ${id} did not register within ${timeoutMs / 1000}s`, { hint: `see blanket worker logs ${id}` }));
    }, timeoutMs);
    const off = daemon.events.on((e) => {
      if (e.kind === 'worker' && e.worker.id === id && e.worker.state === 'running') {
        clearTimeout(timer);
        off();
        resolve(e.worker);
      }
    });
  });
}
