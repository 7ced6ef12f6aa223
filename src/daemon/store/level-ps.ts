// The ps query planner over the LevelDB keys (docs/architecture.md, "The store"): running
// tasks, queued ones in the order they will run, the latest finished, each a bounded read.
import type { ClassicLevel } from 'classic-level';
import type { PsParams, PsSections } from '../../protocol/methods.js';
import { isTerminal, STATES, type State, type Task } from '../../protocol/model.js';
import { escapeLabel, idOf, isRunnable, pad, parseGroup, prioKey, range } from './keys.js';

/** What the planner reads: the database, records by id, the queue groups and the counters. */
export interface PsSource {
  db: ClassicLevel<string, unknown>;
  getMany(ids: string[]): Promise<Task[]>;
  groups: Iterable<string>;
  counts(): Record<State, number>;
}

export async function psQuery(src: PsSource, params: PsParams): Promise<PsSections> {
  const limit = params.limit ?? 20;
  const want = (s: State) => !params.states || params.states.includes(s);
  const match = (t: Task) =>
    (params.type === undefined || t.type === params.type) &&
    (params.label === undefined || t.label === params.label) &&
    (params.worker === undefined || t.worker === params.worker || t.attempts.some((a) => a.worker === params.worker)) &&
    (params.since === undefined || t.createdAt >= params.since) &&
    want(t.state);
  // The narrowest index for a state: by type or label when asked, else by state.
  const stateIndex = (s: State) => (params.type !== undefined ? `ts!${params.type}!${s}!` : params.label !== undefined ? `ls!${escapeLabel(params.label)}!${s}!` : `s!${s}!`);
  const scanCap = limit * 20 + 1000;
  // `section` re-checks the state: a task may move between reading its index key and its record.
  const collect = async (prefix: string, n: number, section: (t: Task) => boolean, reverse = false, cap = scanCap): Promise<Task[]> => {
    const out: Task[] = [];
    const it = src.db.keys({ ...range(prefix), reverse, limit: cap });
    let batch: string[] = [];
    const flush = async () => {
      for (const t of await src.getMany(batch)) if (section(t) && match(t) && out.length < n) out.push(t);
      batch = [];
    };
    for await (const key of it) {
      batch.push(idOf(key));
      if (batch.length >= 64) await flush();
      if (out.length >= n) break;
    }
    await flush();
    return out;
  };

  const running: Task[] = [];
  const isActive = (t: Task) => t.state === 'RUNNING' || t.state === 'CLAIMED';
  const isQueued = (t: Task) => t.state === 'WAITING';
  const isDone = (t: Task) => isTerminal(t.state);
  for (const s of ['RUNNING', 'CLAIMED'] as const) if (want(s)) running.push(...(await collect(stateIndex(s), 1000, isActive)));
  running.sort((a, b) => (a.startedAt ?? a.claimedAt ?? 0) - (b.startedAt ?? b.claimedAt ?? 0));

  const queued: Task[] = [];
  if (want('WAITING') && params.type !== undefined) {
    // Runnable ones in run order: a merge of the heads of that type's queue groups (a page each).
    const heads: string[] = [];
    for (const g of src.groups) if (parseGroup(g).type === params.type) heads.push(...(await src.db.keys({ ...range(`q!${g}!`), limit: limit + 1 }).all()));
    heads.sort((a, b) => order(a).localeCompare(order(b)));
    for (const t of await src.getMany(heads.map(idOf))) if (isRunnable(t) && match(t) && queued.length < limit) queued.push(t);
    if (queued.length < limit) {
      // Then the delayed and the blocked, from the type's index: all of them, or the order could be wrong.
      const rest = await collect(stateIndex('WAITING'), Number.MAX_SAFE_INTEGER, (t) => isQueued(t) && !isRunnable(t), false, Infinity);
      queued.push(...rest.sort(runOrder).slice(0, limit - queued.length));
    }
  } else if (want('WAITING') && params.label !== undefined) {
    // The label index holds exactly the waiting tasks that can match, in id order: all are read
    // (no page of them is enough: a later one may run first), then put in run order.
    queued.push(...(await collect(stateIndex('WAITING'), Number.MAX_SAFE_INTEGER, isQueued, false, Infinity)).sort(runOrder).slice(0, limit));
  } else if (want('WAITING')) {
    // Runnable tasks in the order they will run: a merge of every queue group's head.
    const heads: string[] = [];
    for (const g of src.groups) heads.push(...(await src.db.keys({ ...range(`q!${g}!`), limit: limit + 1 }).all()));
    heads.sort((a, b) => order(a).localeCompare(order(b)));
    for (const t of await src.getMany(heads.map(idOf))) if (isQueued(t) && match(t) && queued.length < limit) queued.push(t);
    if (queued.length < limit) queued.push(...(await collect('n!', limit - queued.length, isQueued)));
    if (queued.length < limit) {
      // A task can both have a not-before time and wait on a dependency: list it once.
      const listed = new Set(queued.map((t) => t.id));
      const blocked = await collect('b!', limit - queued.length + listed.size, isQueued);
      queued.push(...blocked.filter((t) => !listed.has(t.id)).slice(0, limit - queued.length));
    }
  }

  const finished: Task[] = [];
  const terminal = STATES.filter((s) => isTerminal(s) && want(s));
  if (terminal.length === STATES.filter(isTerminal).length && params.type === undefined && params.label === undefined) {
    finished.push(...(await collect('f!', limit, isDone, true)));
  } else {
    for (const s of terminal) finished.push(...(await collect(stateIndex(s), limit, isDone, true)));
    finished.sort((a, b) => (b.endedAt ?? 0) - (a.endedAt ?? 0));
    finished.splice(limit);
  }

  const counts = src.counts();
  const filtered = params.type !== undefined || params.label !== undefined || params.worker !== undefined || params.since !== undefined;
  const total = (states: readonly State[]) => states.filter(want).reduce((n, s) => n + counts[s], 0);
  return {
    running,
    queued,
    finished,
    counts,
    more: filtered
      ? { queued: 0, finished: 0 }
      : {
          queued: Math.max(0, total(['WAITING']) - queued.length),
          finished: Math.max(0, total(STATES.filter(isTerminal)) - finished.length),
        },
  };
}

/** Waiting tasks as ps lists them: runnable by priority then age, then by not-before time, then those blocked on dependencies. */
function runOrder(a: Task, b: Task): number {
  const rank = (t: Task) => (isRunnable(t) ? 0 : t.notBefore !== undefined ? 1 : 2);
  const key = (t: Task) => (isRunnable(t) ? `${prioKey(t.priority)}!${t.id}` : t.notBefore !== undefined ? `${pad(t.notBefore)}!${t.id}` : t.id);
  return rank(a) - rank(b) || key(a).localeCompare(key(b));
}

/** The run-order part of a queue key: priority then id. */
export function order(key: string): string {
  const parts = key.split('!');
  return `${parts[parts.length - 2]}!${parts[parts.length - 1]}`;
}
