// Live completion values, asked of the daemon of this home. Never starts a
// daemon, never waits longer than the budget: a shell must not hang on TAB.
import type { Client } from '../../client/client.js';
import type { Task } from '../../protocol/model.js';
import type { Candidate, LiveSource } from './engine.js';

/**
 * How long the daemon gets to accept, handshake and answer; loading our own
 * modules is not counted (it is bounded work, not a hang). BLANKET_COMPLETE_TIMEOUT (ms) overrides it.
 */
export const LIVE_TIMEOUT_MS = 300;

const taskLine = (t: Task): Candidate => ({ value: t.id, description: `${t.state} ${t.type}${t.label ? ` [${t.label}]` : ''}` });

/** The values of one source from a connected client (exported for tests). */
export async function ask(client: Pick<Client, 'call'>, source: LiveSource): Promise<Candidate[]> {
  switch (source) {
    case 'tasks-active': {
      const r = await client.call('ps', { limit: 50 });
      return [...r.running, ...r.queued, ...r.finished].map(taskLine);
    }
    case 'tasks-recent': {
      const r = await client.call('ps', { limit: 50 });
      return [...r.running, ...r.queued, ...r.finished].sort((a, b) => (a.id < b.id ? 1 : -1)).map(taskLine);
    }
    case 'types': {
      const r = await client.call('types.ls', {});
      return r.types.map((t) => ({ value: t.name, ...(t.description ? { description: t.description.split('\n')[0]! } : {}) }));
    }
    case 'schedules': {
      const r = await client.call('schedule.ls', {});
      return r.schedules.map((s) => ({ value: s.name, description: `${s.paused ? 'paused' : 'active'} ${s.cron}` }));
    }
    case 'archived': {
      const r = await client.call('archive.ls', { limit: 50 });
      return r.entries.map((e) => ({ value: e.id, description: `${e.task.state} ${e.task.type} (archived by ${e.by})` }));
    }
    case 'hosts': {
      const r = await client.call('hosts.ls', {});
      const rank = (lease: string) => (lease === 'expired' ? 0 : 1);
      return r.hosts
        .filter((h) => !h.self && h.lease !== 'forgotten')
        .sort((a, b) => rank(a.lease) - rank(b.lease) || (a.name < b.name ? -1 : 1))
        .map((h) => ({ value: h.name, description: `${h.lease}, ${h.running} running, ${h.finished} finished` }));
    }
    case 'workers': {
      const r = await client.call('worker.ls', {});
      return r.workers.map((w) => ({ value: w.id, description: `${w.state}, ${w.running.length}/${w.slots} slots` }));
    }
  }
}

/** The values of a live source, or none when no daemon answers within the budget. */
export async function liveValues(source: LiveSource, timeoutMs = budget()): Promise<Candidate[]> {
  let timer: NodeJS.Timeout | undefined;
  let client: Client | undefined;
  let late = false;
  const { connect } = await import('../../client/connect.js');
  const work = (async () => {
    const c = await connect({ autostart: false, clientName: 'blanket __complete' });
    if (late) {
      c.close();
      return [];
    }
    client = c;
    return ask(c, source);
  })();
  const timeout = new Promise<Candidate[]>((resolve) => {
    timer = setTimeout(() => {
      late = true;
      resolve([]);
    }, timeoutMs);
  });
  try {
    return await Promise.race([work.catch(() => [] as Candidate[]), timeout]);
  } finally {
    clearTimeout(timer);
    client?.close();
  }
}

function budget(): number {
  const v = Number(process.env.BLANKET_COMPLETE_TIMEOUT);
  return Number.isFinite(v) && v > 0 ? v : LIVE_TIMEOUT_MS;
}
