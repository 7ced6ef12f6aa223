// Leases of the daemons sharing one PostgreSQL store: a row per daemon (store.host), renewed
// every third of store.lease. Times are the server's (clock_timestamp()), so clocks of the
// hosts need not agree. A daemon silent past its lease has its claimed and running tasks taken
// over (ended LOST, retried by policy) by whichever peer locks its row first.
import type pg from 'pg';
import { toStoreError } from './pg-errors.js';

type Query = Pick<pg.Pool, 'query'>;

/** Take (or take back) this daemon's row, with a fresh lease. */
export async function registerHost(q: Query, name: string, pid: number, leaseMs: number): Promise<void> {
  await q.query(
    `INSERT INTO hosts (name, pid, lease_until, gone) VALUES ($1, $2, clock_timestamp() + $3 * interval '1 millisecond', false)
     ON CONFLICT (name) DO UPDATE SET pid = EXCLUDED.pid, lease_until = EXCLUDED.lease_until, gone = false, registered_at = now()`,
    [name, pid, leaseMs],
  );
}

/** Renew this daemon's lease; false when a peer found it expired and took its tasks over (it must re-register). */
export async function renewHost(q: Query, name: string, leaseMs: number): Promise<boolean> {
  const r = await q.query(`UPDATE hosts SET lease_until = clock_timestamp() + $2 * interval '1 millisecond' WHERE name = $1 AND NOT gone`, [name, leaseMs]);
  return (r.rowCount ?? 0) > 0;
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

export interface HostRow {
  name: string;
  pid: number;
  leaseLeftMs: number;
  gone: boolean;
}

export async function listHosts(q: Query): Promise<HostRow[]> {
  const r = await q.query<{ name: string; pid: number; left: number; gone: boolean }>(
    `SELECT name, pid, (extract(epoch FROM lease_until - clock_timestamp()) * 1000)::int AS left, gone FROM hosts ORDER BY name`,
  );
  return r.rows.map((x) => ({ name: x.name, pid: x.pid, leaseLeftMs: x.left, gone: x.gone }));
}

/** This daemon's lease calls, failing with a StoreError (unavailable) as every store call does. */
export interface HostLeases {
  /** Take this daemon's row (again), with a fresh lease. */
  register(leaseMs: number): Promise<void>;
  /** False: a peer found the lease expired and took this daemon's tasks over. */
  renew(leaseMs: number): Promise<boolean>;
  expired(): Promise<string[]>;
  list(): Promise<HostRow[]>;
  /** Record this daemon's peer address (see advertiseHost); returns it. */
  advertise(address: string | undefined, fallback: string, port: number, fingerprint: string): Promise<string>;
  /** Where a daemon serves its output. */
  peer(name: string): Promise<{ address?: string; fingerprint?: string } | undefined>;
}

export function hostLeases(pool: () => pg.Pool, name: string, where: string): HostLeases {
  const call =
    <A extends unknown[], T>(fn: (q: Query, ...a: A) => Promise<T>) =>
    async (...a: A): Promise<T> => {
      try {
        return await fn(pool(), ...a);
      } catch (err) {
        throw toStoreError(err, where);
      }
    };
  return {
    register: call((q, leaseMs: number) => registerHost(q, name, process.pid, leaseMs)),
    renew: call((q, leaseMs: number) => renewHost(q, name, leaseMs)),
    expired: call((q) => expiredHosts(q, name)),
    list: call((q) => listHosts(q)),
    advertise: call((q, address: string | undefined, fallback: string, port: number, fingerprint: string) => advertiseHost(q, name, address, fallback, port, fingerprint)),
    peer: call((q, other: string) => peerOf(q, other)),
  };
}
