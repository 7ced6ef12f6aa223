import { BlanketError } from '../../../protocol/errors.js';
import type { Handler } from '../../context.js';
import { waitForWorker } from '../../workers/reconcile.js';

/** Start another supervised local worker. */
export const workerStart: Handler<'worker.start'> = async (p, { daemon }) => {
  const name =
    p.name ??
    nextName(
      daemon.workers
        .list()
        .map((w) => w.id)
        .concat(daemon.supervisor.specs().map((s) => s.name)),
    );
  const current = daemon.workers.get(name);
  if (daemon.supervisor.has(name) || (current && current.state !== 'lost' && current.state !== 'stopped')) {
    throw new BlanketError('EXISTS', `a worker named ${name} already exists`, { hint: 'choose another --name, or stop it first' });
  }
  daemon.supervisor.start({ name, slots: p.slots ?? 1, ...(p.tags ? { tags: p.tags } : { tags: daemon.defaultTags }) });
  return waitForWorker(daemon, name, 15_000);
};

function nextName(taken: string[]): string {
  for (let i = 1; ; i++) if (!taken.includes(`worker-${i}`)) return `worker-${i}`;
}
