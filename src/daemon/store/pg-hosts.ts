// Leases of the daemons sharing one PostgreSQL store: a row per daemon (store.host), renewed
// every third of store.lease. Times are the server's (clock_timestamp()), so clocks of the
// hosts need not agree. A daemon silent past its lease has its claimed and running tasks taken
// over (ended LOST, retried by policy) by whichever peer locks its row first.
import type pg from 'pg';
import type { HostInfo } from '../../protocol/hosts.js';
import { toStoreError } from './pg-errors.js';
import { runTx } from './pg-tx.js';
import type { ForgetRefusal } from './store.js';

type Query = Pick<pg.Pool, 'query'>;

/** Serialises a name's registration with its forgetting (pg_advisory_xact_lock; see forgetHost). */
const NAME_LOCK = "SELECT pg_advisory_xact_lock(hashtextextended('blanket-host:' || $1, 0))";

/** A name `hosts forget` forgot: when, and by which daemon. */
export interface Forgotten {
  at: number;
  by: string;
}

/**
 * Take (or take back) this daemon's row, with a fresh lease; refused (returned, nothing written) when
 * `hosts forget` forgot the name: its tasks' output is written off, so it must not hold tasks again.
 */
export async function registerHost(pool: pg.Pool, where: string, name: string, pid: number, leaseMs: number): Promise<Forgotten | undefined> {
  return runTx(
    pool,
    name,
    where,
    async (c) => {
      await c.query(NAME_LOCK, [name]);
      const f = await forgottenAs(c, name);
      if (f) return f;
      await c.query(
        `INSERT INTO hosts (name, pid, lease_until, gone, renewed_at) VALUES ($1, $2, clock_timestamp() + $3 * interval '1 millisecond', false, clock_timestamp())
       ON CONFLICT (name) DO UPDATE SET pid = EXCLUDED.pid, lease_until = EXCLUDED.lease_until, gone = false, registered_at = now(), renewed_at = EXCLUDED.renewed_at`,
        [name, pid, leaseMs],
      );
      return undefined;
    },
    async () => {},
  );
}

/** When and by whom `hosts forget` forgot a name; undefined when it did not. */
async function forgottenAs(q: Query, name: string): Promise<Forgotten | undefined> {
  const r = await q.query<{ at: string; by: string }>('SELECT (extract(epoch FROM forgotten_at) * 1000)::bigint AS at, forgotten_by AS by FROM forgotten_hosts WHERE name = $1', [
    name,
  ]);
  return r.rows[0] ? { at: Number(r.rows[0].at), by: r.rows[0].by } : undefined;
}

/** Renew this daemon's lease; false when a peer found it expired and took its tasks over (it must re-register). */
export async function renewHost(q: Query, name: string, leaseMs: number): Promise<boolean> {
  const r = await q.query(`UPDATE hosts SET lease_until = clock_timestamp() + $2 * interval '1 millisecond', renewed_at = clock_timestamp() WHERE name = $1 AND NOT gone`, [
    name,
    leaseMs,
  ]);
  return (r.rowCount ?? 0) > 0;
}

/** How many other daemons have a lease row (live or not: one that has a row may come back and take tasks over). */
export async function otherHosts(q: Query, me: string): Promise<number> {
  return Number((await q.query<{ n: string }>('SELECT count(*) AS n FROM hosts WHERE name <> $1', [me])).rows[0]!.n);
}

/** Other daemons whose lease ran out and that still have tasks to take over (or were not yet marked gone). */
export async function expiredHosts(q: Query, me: string): Promise<string[]> {
  const r = await q.query<{ name: string }>(
    `SELECT name FROM hosts h WHERE name <> $1 AND lease_until < clock_timestamp() AND (NOT gone OR EXISTS (SELECT 1 FROM tasks t WHERE t.host = h.name)) ORDER BY name`,
    [me],
  );
  return r.rows.map((x) => x.name);
}

/**
 * In a transaction: lock a daemon's row if its lease is still expired, mark it gone, and return the
 * tasks it holds (id and attempt). Undefined when it renewed meanwhile (or another peer holds the row).
 */
export async function claimExpiredHost(c: pg.PoolClient, name: string): Promise<Array<{ id: string; attempt: number }> | undefined> {
  const row = await c.query('SELECT name FROM hosts WHERE name = $1 AND lease_until < clock_timestamp() FOR UPDATE SKIP LOCKED', [name]);
  if (row.rowCount === 0) return undefined;
  await c.query('UPDATE hosts SET gone = true WHERE name = $1', [name]);
  return (await c.query<{ id: string; attempt: number }>('SELECT id, attempt FROM tasks WHERE host = $1 ORDER BY id', [name])).rows;
}

/**
 * Record where this daemon serves output to peers (port < 0: it serves none): `address` as given, or (undefined: it listens
 * on every interface) the address PostgreSQL sees it connect from, falling back to `fallback`.
 */
export async function advertiseHost(q: Query, name: string, address: string | undefined, fallback: string, port: number, fingerprint: string): Promise<string> {
  if (port < 0) {
    await q.query('UPDATE hosts SET address = NULL, fingerprint = NULL WHERE name = $1', [name]);
    return '';
  }
  const seen = address ?? (await q.query<{ a: string | null }>('SELECT host(inet_client_addr()) AS a')).rows[0]?.a ?? fallback;
  const where = `${seen.includes(':') ? `[${seen}]` : seen}:${port}`;
  await q.query('UPDATE hosts SET address = $2, fingerprint = $3 WHERE name = $1', [name, where, fingerprint]);
  return where;
}

/** Where a daemon serves its output (host:port) and its certificate's SHA-256 fingerprint; undefined fields when it serves none. */
export async function peerOf(q: Query, name: string): Promise<{ address?: string; fingerprint?: string } | undefined> {
  const r = await q.query<{ address: string | null; fingerprint: string | null }>('SELECT address, fingerprint FROM hosts WHERE name = $1', [name]);
  const row = r.rows[0];
  if (!row) return undefined;
  return { ...(row.address ? { address: row.address } : {}), ...(row.fingerprint ? { fingerprint: row.fingerprint } : {}) };
}

/** The daemons with a lease row, the forgotten hosts, and how many tasks each holds and finished tasks ran on each. */
export async function listHosts(q: Query, me: string): Promise<HostInfo[]> {
  const [rows, forgotten, running, finished] = await Promise.all([
    q.query<{ name: string; pid: number; address: string | null; until: string; left: string; renewed: string | null }>(
      `SELECT name, pid, address, (extract(epoch FROM lease_until) * 1000)::bigint AS until,
              (extract(epoch FROM lease_until - clock_timestamp()) * 1000)::bigint AS left, (extract(epoch FROM renewed_at) * 1000)::bigint AS renewed
       FROM hosts ORDER BY name`,
    ),
    q.query<{ name: string; at: string; by: string }>(
      'SELECT name, (extract(epoch FROM forgotten_at) * 1000)::bigint AS at, forgotten_by AS by FROM forgotten_hosts ORDER BY name',
    ),
    q.query<{ host: string; n: string }>('SELECT host, count(*) AS n FROM tasks WHERE host IS NOT NULL GROUP BY host'),
    // A finished task's host is in its body only: this reads every finished task (an operator's command, not a hot path).
    q.query<{ host: string; n: string }>("SELECT body->>'host' AS host, count(*) AS n FROM tasks WHERE ended_at IS NOT NULL AND body ? 'host' GROUP BY 1"),
  ]);
  const count = (r: { rows: Array<{ host: string; n: string }> }) => new Map(r.rows.map((x) => [x.host, Number(x.n)]));
  const [held, ran] = [count(running), count(finished)];
  const tasks = (name: string) => ({ running: held.get(name) ?? 0, finished: ran.get(name) ?? 0 });
  return [
    ...rows.rows.map((x): HostInfo => ({
      name: x.name,
      self: x.name === me,
      lease: Number(x.left) > 0 ? 'live' : 'expired',
      ...(x.address ? { address: x.address } : {}),
      pid: x.pid,
      leaseUntil: Number(x.until),
      leaseLeftMs: Number(x.left),
      ...(x.renewed !== null ? { renewedAt: Number(x.renewed) } : {}),
      ...tasks(x.name),
    })),
    ...forgotten.rows.map((x): HostInfo => ({ name: x.name, self: x.name === me, lease: 'forgotten', forgottenAt: Number(x.at), forgottenBy: x.by, ...tasks(x.name) })),
  ].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

export async function forgottenHosts(q: Query): Promise<string[]> {
  return (await q.query<{ name: string }>('SELECT name FROM forgotten_hosts ORDER BY name')).rows.map((x) => x.name);
}

/**
 * In a transaction: lock the row of a daemon whose lease ran out, and return the tasks it still holds
 * (the caller ends them, as a takeover does), after which its row goes and the name is recorded as
 * forgotten (forgetRow). A refusal writes nothing.
 */
export async function lockForForget(c: pg.PoolClient, name: string, me: string): Promise<ForgetRefusal | Array<{ id: string; attempt: number }>> {
  if (name === me) return { why: 'self' };
  await c.query(NAME_LOCK, [name]);
  const row = (await c.query<{ left: string }>('SELECT (extract(epoch FROM lease_until - clock_timestamp()) * 1000)::bigint AS left FROM hosts WHERE name = $1 FOR UPDATE', [name]))
    .rows[0];
  if (!row) {
    const f = await forgottenAs(c, name);
    if (f) return { why: 'forgotten', ...f };
    return { why: 'unknown', known: (await c.query<{ name: string }>('SELECT name FROM hosts ORDER BY name')).rows.map((x) => x.name) };
  }
  if (Number(row.left) > 0) return { why: 'live', leaseLeftMs: Number(row.left) };
  return (await c.query<{ id: string; attempt: number }>('SELECT id, attempt FROM tasks WHERE host = $1 ORDER BY id FOR UPDATE', [name])).rows;
}

/** Remove the lease row and record the name as forgotten; returns when (the server's clock) and how many finished tasks ran there. */
export async function forgetRow(c: pg.PoolClient, name: string, me: string): Promise<{ at: number; finished: number }> {
  await c.query('DELETE FROM hosts WHERE name = $1', [name]);
  const at = (
    await c.query<{ at: string }>('INSERT INTO forgotten_hosts (name, forgotten_by) VALUES ($1, $2) RETURNING (extract(epoch FROM forgotten_at) * 1000)::bigint AS at', [name, me])
  ).rows[0]!.at;
  const n = (await c.query<{ n: string }>("SELECT count(*) AS n FROM tasks WHERE ended_at IS NOT NULL AND body->>'host' = $1", [name])).rows[0]!.n;
  return { at: Number(at), finished: Number(n) };
}

/** This daemon's lease calls, failing with a StoreError (unavailable) as every store call does. */
export interface HostLeases {
  /** Take this daemon's row (again), with a fresh lease; when its name was forgotten, nothing is written and when and by whom is returned. */
  register(leaseMs: number): Promise<Forgotten | undefined>;
  /** False: a peer found the lease expired and took this daemon's tasks over. */
  renew(leaseMs: number): Promise<boolean>;
  expired(): Promise<string[]>;
  /** How many other daemons share the store (have a lease row, live or not). */
  others(): Promise<number>;
  list(): Promise<HostInfo[]>;
  forgotten(): Promise<string[]>;
  /** Record this daemon's peer address (see advertiseHost); returns it. */
  advertise(address: string | undefined, fallback: string, port: number, fingerprint: string): Promise<string>;
  /** Where a daemon serves its output. */
  peer(name: string): Promise<{ address?: string; fingerprint?: string } | undefined>;
}

export function hostLeases(pool: () => pg.Pool, name: string, where: string): HostLeases {
  const call =
    <A extends unknown[], T>(fn: (q: pg.Pool, ...a: A) => Promise<T>) =>
    async (...a: A): Promise<T> => {
      try {
        return await fn(pool(), ...a);
      } catch (err) {
        throw toStoreError(err, where);
      }
    };
  return {
    register: call((q, leaseMs: number) => registerHost(q, where, name, process.pid, leaseMs)),
    renew: call((q, leaseMs: number) => renewHost(q, name, leaseMs)),
    expired: call((q) => expiredHosts(q, name)),
    others: call((q) => otherHosts(q, name)),
    list: call((q) => listHosts(q, name)),
    forgotten: call((q) => forgottenHosts(q)),
    advertise: call((q, address: string | undefined, fallback: string, port: number, fingerprint: string) => advertiseHost(q, name, address, fallback, port, fingerprint)),
    peer: call((q, other: string) => peerOf(q, other)),
  };
}
