// One transaction of the PostgreSQL store in as few round trips as its reads allow: BEGIN goes
// with the first statement, and the writes queued on the Delta (pg-write.ts), the notification
// to peers and COMMIT go together as the last (simple-protocol queries; pg-sql.ts). A claim or a
// start or an exit is then two round trips (pg-cascade.ts lockTask reads an ending task's
// dependents with it).
import type pg from 'pg';
import { newDelta, type Delta } from './pg-write.js';
import { notifyStatement } from './pg-events.js';
import { inline, joined, results } from './pg-sql.js';
import { isConnectionLost, isRetryable, toStoreError } from './pg-errors.js';

export type Client = pg.PoolClient;

/** A client whose first query also begins the transaction. */
function beginning(c: Client): Client {
  let begun = false;
  const query = async (text: string, values?: unknown[]): Promise<pg.QueryResult> => {
    if (begun) return c.query(text, values);
    begun = true;
    const rest = results(await c.query(`BEGIN;\n${values?.length ? inline(text, values) : text}`)).slice(1);
    return (rest.length === 1 ? rest[0] : rest) as pg.QueryResult;
  };
  return {
    query,
    get began() {
      return begun;
    },
  } as unknown as Client;
}

/** The Delta's tail, the notification and COMMIT in one query; the transaction's id and whether the queue groups changed are read from its results. */
async function commit(c: Client, d: Delta, began: boolean): Promise<void> {
  const note = notifyStatement(d.host, d.notes);
  const text = [began ? '' : 'BEGIN;\n', joined([...d.tail, ...(note ? [note] : [])]), d.tail.length > 0 || note ? ';\n' : '', 'COMMIT'].join('');
  for (const r of results(await c.query(text))) {
    const row = r.rows?.[0] as { changed_groups?: number; x?: string } | undefined;
    if (row?.changed_groups !== undefined && row.changed_groups > 0) d.groupsChanged = true;
    if (row?.x !== undefined) d.xid = row.x;
  }
}

/**
 * Run `fn` in one transaction, retried when PostgreSQL chose it as a deadlock victim; `committed`
 * gets the Delta once it has committed (the mirrors follow it).
 */
export async function runTx<T>(pool: pg.Pool, host: string | null, where: string, fn: (c: Client, d: Delta) => Promise<T>, committed: (d: Delta) => Promise<void>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const d: Delta = newDelta(host);
    let c: Client;
    try {
      c = await pool.connect();
    } catch (err) {
      throw toStoreError(err, where);
    }
    let result: T;
    try {
      const b = beginning(c);
      result = await fn(b, d);
      await commit(c, d, (b as unknown as { began: boolean }).began);
      c.release();
    } catch (err) {
      const lost = isConnectionLost(err);
      if (!lost) await c.query('ROLLBACK').catch(() => {});
      c.release(lost ? (err as Error) : undefined);
      if (isRetryable(err) && attempt < 10) continue;
      throw toStoreError(err, where);
    }
    await committed(d);
    return result;
  }
}
