// ps on the PostgreSQL store: the same sections and order as on LevelDB (level-ps.ts), each one
// bounded, ordered query on an index: running tasks; queued ones in the order they will run
// (runnable by priority then age, then the delayed by time, then the blocked); the latest finished.
import type { PsParams, PsSections } from '../../protocol/methods.js';
import { isTerminal, STATES, type State, type Task } from '../../protocol/model.js';

export type Query = <R extends Record<string, unknown>>(text: string, values?: unknown[]) => Promise<R[]>;

export async function pgPs(query: Query, counts: () => Record<State, number>, params: PsParams): Promise<PsSections> {
  const limit = params.limit ?? 20;
  const want = (s: State) => !params.states || params.states.includes(s);
  /** Rows of tasks where `cond` holds and every filter matches, in `order`, at most `n`. */
  const select = async (cond: string, condArgs: unknown[], order: string, n: number): Promise<Task[]> => {
    const args = [...condArgs];
    const arg = (v: unknown) => {
      args.push(v);
      return `$${args.length}`;
    };
    const where = [cond];
    if (params.type !== undefined) where.push(`type = ${arg(params.type)}`);
    if (params.label !== undefined) where.push(`label = ${arg(params.label)}`);
    if (params.since !== undefined) where.push(`created_at >= ${arg(params.since)}`);
    if (params.worker !== undefined) {
      const w = arg(params.worker);
      where.push(`(body->>'worker' = ${w} OR body->'attempts' @> jsonb_build_array(jsonb_build_object('worker', ${w}::text)))`);
    }
    const rows = await query<{ body: Task }>(`SELECT body FROM tasks WHERE ${where.join(' AND ')} ORDER BY ${order} LIMIT ${arg(n)}`, args);
    return rows.map((r) => r.body);
  };

  const activeStates = (['RUNNING', 'CLAIMED'] as const).filter(want);
  const running = activeStates.length ? await select('state = ANY($1::text[])', [activeStates], 'id', 2000) : [];
  running.sort((a, b) => (a.startedAt ?? a.claimedAt ?? 0) - (b.startedAt ?? b.claimedAt ?? 0));

  const queued: Task[] = [];
  if (want('WAITING')) {
    // `NOT blocked` holds for every runnable task; it is in tasks_run_order's predicate (pg-schema.ts, migration 6).
    queued.push(...(await select('grp IS NOT NULL AND NOT blocked', [], 'priority DESC, id', limit)));
    if (queued.length < limit) queued.push(...(await select('not_before IS NOT NULL', [], 'not_before, id', limit - queued.length)));
    // A task both delayed and blocked is listed once, with the delayed.
    if (queued.length < limit) queued.push(...(await select('blocked AND not_before IS NULL', [], 'id', limit - queued.length)));
  }

  const terminal = STATES.filter((s) => isTerminal(s) && want(s));
  const finished = terminal.length ? await select('ended_at IS NOT NULL AND state = ANY($1::text[])', [terminal], 'ended_at DESC, id DESC', limit) : [];

  const c = counts();
  const filtered = params.type !== undefined || params.label !== undefined || params.worker !== undefined || params.since !== undefined;
  const total = (states: readonly State[]) => states.filter(want).reduce((n, s) => n + c[s], 0);
  return {
    running,
    queued,
    finished,
    counts: c,
    more: filtered
      ? { queued: 0, finished: 0 }
      : {
          queued: Math.max(0, total(['WAITING']) - queued.length),
          finished: Math.max(0, total(STATES.filter(isTerminal)) - finished.length),
        },
  };
}
