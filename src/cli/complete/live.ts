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

/** Calls a method the protocol table does not have yet (the hooks below). */
type LooseCall = (method: string, params: object) => Promise<unknown>;

/** Names from a list answer we do not have a type for yet: an array, or the one array in an object. */
function names(result: unknown, key: string): Candidate[] {
  const list = Array.isArray(result) ? result : result && typeof result === 'object' ? ((result as Record<string, unknown>)[key] ?? Object.values(result).find(Array.isArray)) : undefined;
  if (!Array.isArray(list)) return [];
  return list.flatMap((x: unknown) => {
    if (typeof x === 'string') return [{ value: x }];
    const o = x as { name?: unknown; id?: unknown; description?: unknown; state?: unknown };
    const value = typeof o?.name === 'string' ? o.name : typeof o?.id === 'string' ? o.id : undefined;
    if (value === undefined) return [];
    const description = typeof o.description === 'string' ? o.description.split('\n')[0] : typeof o.state === 'string' ? o.state : undefined;
    return [{ value, ...(description ? { description } : {}) }];
  });
}

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
    // HOOK: schedule.ls is not in src/protocol/methods.ts yet. Until it is, the daemon
    // answers METHOD_NOT_FOUND and we offer nothing. When it lands, type this call.
    case 'schedules':
      return names(await (client.call as unknown as LooseCall)('schedule.ls', {}), 'schedules');
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
