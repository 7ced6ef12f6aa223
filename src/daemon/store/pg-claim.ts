// The PostgreSQL side of a claim: the head of each queue group the worker's tags cover (one
// index descent per group, FOR UPDATE SKIP LOCKED), a type's max_concurrent counted under the
// type's lock row, and rate-limit windows kept in rate_windows, read and written under that
// row's lock so hosts sharing the database share the window. Which head wins is core/dispatch.ts's.
import type pg from 'pg';
import type { Task } from '../../protocol/model.js';
import { joined, results } from './pg-sql.js';
import { transition } from '../../core/states.js';
import { candidateOf, NO_POLICY, rankCandidates, rateLimitedUntil, recordStart, type FairShare, type RateLimit } from '../../core/dispatch.js';
import { isRunnable } from './keys.js';
import type { Change, ClaimRequest } from './store.js';

type Q = Pick<pg.ClientBase, 'query'>;

/**
 * Runnable heads, one per group whose tags the worker has; heads other transactions hold are
 * skipped. blanket_queue_heads (pg-schema.ts, migration 8): one descent of tasks_queue per group,
 * its plan kept per connection.
 */
export async function pgQueueHeads(c: Q, tags: readonly string[]): Promise<Task[]> {
  const rows = await c.query<{ body: Task }>('SELECT body FROM blanket_queue_heads($1) body', [tags]);
  return rows.rows.map((r) => r.body);
}

/**
 * Whether a task of `type` may be claimed under its max_concurrent; holds the type's lock row to
 * commit, here and on any other host. `pending`: how many tasks of the type this transaction's
 * writes not yet sent (they go with the COMMIT) make active (+) or inactive (-).
 */
export async function typeHasSlot(c: Q, type: string, max: number, pending = 0): Promise<boolean> {
  // One round trip; the count is a statement of its own, its snapshot taken after the lock.
  const r = results(
    await c.query(
      joined([
        ['INSERT INTO type_locks (type) VALUES ($1) ON CONFLICT DO NOTHING', [type]],
        ['SELECT type FROM type_locks WHERE type = $1 FOR UPDATE', [type]],
        ["SELECT count(*)::int AS n FROM tasks WHERE type = $1 AND state IN ('CLAIMED', 'RUNNING')", [type]],
      ]),
    ),
  );
  return (r[2]!.rows[0] as { n: number }).n + pending < max;
}

/** The kept claim times of these types (no lock: for ranking and for `ps`). */
export async function readWindows(c: Q, types: readonly string[]): Promise<Map<string, number[]>> {
  if (types.length === 0) return new Map();
  const rows = await c.query<{ type: string; starts: number[] }>('SELECT type, starts FROM rate_windows WHERE type = ANY($1::text[])', [types]);
  return new Map(rows.rows.map((r) => [r.type, r.starts]));
}

/**
 * Take one start of a rate-limited type: under the window row's lock, the starts kept with this one
 * added, or undefined when the window is full (another host may have filled it since the ranking).
 */
export async function takeStart(c: Q, type: string, limit: RateLimit, now: number): Promise<boolean> {
  const r = results(
    await c.query(
      joined([
        [`INSERT INTO rate_windows (type, starts) VALUES ($1, '[]') ON CONFLICT DO NOTHING`, [type]],
        ['SELECT starts FROM rate_windows WHERE type = $1 FOR UPDATE', [type]],
      ]),
    ),
  );
  const starts = (r[1]!.rows[0] as { starts: number[] }).starts;
  if (rateLimitedUntil(starts, limit, now) !== undefined) return false;
  await c.query('UPDATE rate_windows SET starts = $2 WHERE type = $1', [type, JSON.stringify(recordStart(starts, limit, now))]);
  return true;
}

/** The runnable task runnable longest: the oldest (by id) of each group's priority band, then the least updatedAt. */
export async function pgOldestRunnable(c: Q): Promise<Task | undefined> {
  const rows = await c.query<{ body: Task }>('SELECT DISTINCT ON (grp, priority) body FROM tasks WHERE grp IS NOT NULL ORDER BY grp, priority DESC, id');
  return rows.rows.map((r) => r.body).reduce<Task | undefined>((a, t) => (a === undefined || t.updatedAt < a.updatedAt ? t : a), undefined);
}

const ACTIVE = (s: string | null): number => (s === 'CLAIMED' || s === 'RUNNING' ? 1 : 0);

/**
 * The task a claim takes, inside a transaction, not yet written (the caller writes it with
 * writeChanges), and its version before. `pending`: changes made earlier in the same transaction, whose rows it holds
 * locked and whose writes wait for the COMMIT (a worker's exit report, claimed with the next task
 * in one transaction): the runnable ones the worker's tags cover are candidates as queued ones are,
 * and the places they free (or take) under max_concurrent count.
 */
export async function pgPick(
  c: Q,
  req: ClaimRequest,
  fair: FairShare,
  host: string | undefined,
  pending: readonly Change[] = [],
): Promise<{ change: Change; old: Task } | undefined> {
  const policy = req.policy ?? NO_POLICY;
  const mine = new Map(pending.map((ch) => [ch.task.id, ch.task]));
  const covered = (t: Task) => t.tags.every((tag) => req.tags.includes(tag));
  const byId = new Map<string, Task>();
  for (const t of await pgQueueHeads(c, req.tags)) if (isRunnable(t) && !mine.has(t.id)) byId.set(t.id, t);
  for (const t of mine.values()) if (isRunnable(t) && covered(t)) byId.set(t.id, t);
  const activeBy = new Map<string, number>();
  for (const { task, from } of pending) activeBy.set(task.type, (activeBy.get(task.type) ?? 0) + ACTIVE(task.state) - ACTIVE(from));
  const heads = [...byId.values()];
  const starts = await readWindows(
    c,
    [...new Set(heads.map((t) => t.type))].filter((type) => policy.rateLimits[type]),
  );
  // max_concurrent is counted below under the type's lock, not from a mirror: other hosts claim too.
  const view = { policy, active: new Map<string, number>(), starts, fair, now: req.now };
  const shut = new Set<string>();
  for (const cand of rankCandidates(heads.map(candidateOf), view).order) {
    const task = byId.get(cand.id)!;
    if (shut.has(task.type)) continue;
    const limit = policy.rateLimits[task.type];
    if (
      (task.maxConcurrent > 0 && !(await typeHasSlot(c, task.type, task.maxConcurrent, activeBy.get(task.type) ?? 0))) ||
      (limit && !(await takeStart(c, task.type, limit, req.now)))
    ) {
      shut.add(task.type);
      continue;
    }
    const res = transition(task, { type: 'claim', worker: req.worker, at: req.now }, { random: 0 });
    if (!res.ok) continue;
    // The daemon is recorded on the task and on its attempt (worker names are per daemon: `show` says whose).
    const claimed = host === undefined ? res.task : { ...res.task, host, attempts: res.task.attempts.map((a, i, all) => (i === all.length - 1 ? { ...a, host } : a)) };
    return { change: { task: claimed, from: task.state }, old: task };
  }
  return undefined;
}
