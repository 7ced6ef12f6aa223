// Events across daemons sharing one PostgreSQL store. Every committed change is announced by
// NOTIFY in its own transaction (ids, states and type only: the payload stays under 8000 bytes,
// readers fetch rows). Each daemon LISTENs on a dedicated connection (reconnected with backoff)
// and, every few seconds, catches up on rows other daemons changed since the oldest transaction
// it may not have seen (by the xid8 each row change records), for notifications it missed.
import pg from 'pg';
import type { State, Task } from '../../protocol/model.js';
import type { Note } from './pg-write.js';
import type { Change } from './store.js';

export const CHANNEL = 'blanket';
/** PostgreSQL refuses payloads of 8000 bytes or more. */
const MAX_PAYLOAD = 7000;
/** How long a task's last seen version is remembered, to tell a missed change from one already heard. */
const SEEN_MS = 60_000;

/** The longest text of an xid8: the payload is split with room for it, as the id is known only in the statement. */
const XID_ROOM = 20;

/**
 * The statement that announces `notes` at the commit of the transaction it runs in (not at all if
 * it rolls back) and returns the transaction's id as column `x`: one statement, run with the
 * COMMIT (pg-tx.ts), each payload `{"h": host, "x": xid, "n": [notes]}` under MAX_PAYLOAD.
 */
export function notifyStatement(host: string | null, notes: Note[]): readonly [string, unknown[]] | undefined {
  if (notes.length === 0) return undefined;
  const head = `{"h":${JSON.stringify(host)},"x":"`;
  const batches: string[] = [];
  let batch: string[] = [];
  let size = head.length + XID_ROOM + '","n":[]}'.length;
  const empty = size;
  for (const n of notes) {
    const text = JSON.stringify(n);
    if (batch.length > 0 && size + text.length + 1 > MAX_PAYLOAD) {
      batches.push(`","n":[${batch.join(',')}]}`);
      batch = [];
      size = empty;
    }
    batch.push(text);
    size += text.length + 1;
  }
  batches.push(`","n":[${batch.join(',')}]}`);
  // In order: each payload is the head, the id, then its notes.
  return [
    `SELECT pg_current_xact_id()::text AS x, ${batches.map((_, i) => `pg_notify($1, $2 || pg_current_xact_id()::text || $${i + 3})`).join(', ')}`,
    [CHANNEL, head, ...batches],
  ];
}

/** What other daemons changed, for this daemon's event bus and engine. */
export interface PeerChanges {
  /** Each as read after the notification (or catch-up), with the state it came from when known. */
  changes: Change[];
  removed: string[];
}

export interface PeerFeedDeps {
  url: string;
  /** This daemon's name: its own changes are skipped (it published them already). */
  host: string;
  pool(): pg.Pool;
  /** Apply other daemons' notes (those of transaction `xid`) to the in-memory mirrors. */
  applyNotes(xid: string, notes: Note[]): void;
  /** Re-read the mirrors from the tables (after notifications may have been missed). */
  reload(): Promise<void>;
  deliver(p: PeerChanges): void;
  warn(message: string, fields: Record<string, unknown>): void;
  catchUpMs: number;
}

const sig = (t: Task) => `${t.state}/${t.attempt}/${t.updatedAt}`;

export class PeerFeed {
  private client: pg.Client | undefined;
  private closed = false;
  private connects = 0;
  private retryMs = 250;
  private retryTimer: NodeJS.Timeout | undefined;
  private catchUpTimer: NodeJS.Timeout | undefined;
  /** The oldest transaction whose changes may not have been seen yet. */
  private horizon: string | undefined;
  private readonly seen = new Map<string, { sig: string; state: State; at: number }>();
  /** Notes heard whose rows are not read yet. */
  private unread: Note[] = [];
  /** Notifications and catch-ups are handled one at a time, in order. */
  private chain: Promise<void> = Promise.resolve();

  constructor(private readonly d: PeerFeedDeps) {}

  async start(): Promise<void> {
    this.horizon = (await this.d.pool().query<{ h: string }>('SELECT pg_snapshot_xmin(pg_current_snapshot())::text AS h')).rows[0]!.h;
    await this.connect();
    this.catchUpTimer = setInterval(() => this.queue(() => this.catchUp()), this.d.catchUpMs);
    this.catchUpTimer.unref();
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retryTimer);
    clearInterval(this.catchUpTimer);
    const c = this.client;
    this.client = undefined;
    await c?.end().catch(() => {});
    await this.chain;
  }

  /** Whether the LISTEN connection is up. */
  get listening(): boolean {
    return this.client !== undefined;
  }

  private queue(fn: () => Promise<void>): void {
    this.chain = this.chain.then(fn).catch((err) => this.d.warn('could not read what other daemons changed; the next catch-up tries again', { err: String(err) }));
  }

  private async connect(): Promise<void> {
    if (this.closed) return;
    const c = new pg.Client({ connectionString: this.d.url, keepAlive: true, application_name: 'blanket-listen', connectionTimeoutMillis: 5000, query_timeout: 10_000 });
    c.on('error', (err) => this.lost(c, err));
    c.on('end', () => this.lost(c, new Error('the connection ended')));
    c.on('notification', (m) => {
      if (m.channel !== CHANNEL || !m.payload) return;
      let p: { h: string | null; x: string; n: Note[] };
      try {
        p = JSON.parse(m.payload) as typeof p;
      } catch {
        return;
      }
      if (p.h === this.d.host) return;
      this.d.applyNotes(p.x, p.n);
      // Notes that arrive while rows are being read are read together next, in one query.
      const first = this.unread.length === 0;
      this.unread.push(...p.n);
      if (first) this.queue(() => this.heard(this.unread.splice(0)));
    });
    try {
      await c.connect();
      await c.query(`LISTEN ${CHANNEL}`);
    } catch (err) {
      await c.end().catch(() => {});
      return this.retry(err);
    }
    if (this.closed) return void (await c.end().catch(() => {}));
    this.client = c;
    this.retryMs = 250;
    // Anything may have been missed while it was down: the mirrors are read again and the changes caught up.
    if (this.connects++ > 0) this.queue(async () => (await this.d.reload(), await this.catchUp()));
  }

  private lost(c: pg.Client, err: unknown): void {
    if (this.client !== c) return;
    this.client = undefined;
    void c.end().catch(() => {});
    this.retry(err);
  }

  private retry(err: unknown): void {
    if (this.closed) return;
    const ms = this.retryMs;
    this.retryMs = Math.min(this.retryMs * 2, 5000);
    this.d.warn('lost the connection that hears other daemons; reconnecting (a catch-up covers what was missed)', { err: String(err), retryInMs: ms });
    this.retryTimer = setTimeout(() => void this.connect(), ms);
    this.retryTimer.unref();
  }

  /** Read the rows the notes name; publish each that is still in the state the note says (a later note covers the rest). */
  private async heard(notes: Note[]): Promise<void> {
    const ids = [...new Set(notes.filter((n) => n[2] !== null).map((n) => n[0]))];
    const rows = ids.length ? (await this.d.pool().query<{ body: Task }>('SELECT body FROM tasks WHERE id = ANY($1::text[])', [ids])).rows : [];
    const bodies = new Map(rows.map((r) => [r.body.id, r.body]));
    const out: PeerChanges = { changes: [], removed: [] };
    const now = Date.now();
    for (const [id, from, to] of notes) {
      if (to === null) {
        this.seen.delete(id);
        out.removed.push(id);
        continue;
      }
      const task = bodies.get(id);
      if (!task || task.state !== to || this.seen.get(id)?.sig === sig(task)) continue;
      this.seen.set(id, { sig: sig(task), state: task.state, at: now });
      out.changes.push({ task, from });
    }
    if (out.changes.length || out.removed.length) this.d.deliver(out);
  }

  /** Rows other daemons changed in transactions this one may not have seen: those not heard of are published, and the mirrors re-read. */
  private async catchUp(): Promise<void> {
    if (this.closed || this.horizon === undefined) return;
    if (this.client) await this.client.query('SELECT 1').catch((err: unknown) => this.lost(this.client!, err));
    const rows = (
      await this.d.pool().query<{ h: string; body: Task | null }>(
        `WITH h AS (SELECT pg_snapshot_xmin(pg_current_snapshot()) AS x)
         SELECT h.x::text AS h, t.body FROM h LEFT JOIN tasks t ON t.changed_by >= $1::xid8 AND t.changed_host IS DISTINCT FROM $2`,
        [this.horizon, this.d.host],
      )
    ).rows;
    this.horizon = rows[0]!.h;
    const now = Date.now();
    const missed: Change[] = [];
    for (const { body } of rows) {
      if (!body) continue;
      const was = this.seen.get(body.id);
      if (was?.sig === sig(body)) continue;
      this.seen.set(body.id, { sig: sig(body), state: body.state, at: now });
      missed.push({ task: body, from: was?.state ?? null });
    }
    for (const [id, s] of this.seen) if (now - s.at > SEEN_MS) this.seen.delete(id);
    if (missed.length === 0) return;
    await this.d.reload();
    this.d.deliver({ changes: missed, removed: [] });
  }
}
