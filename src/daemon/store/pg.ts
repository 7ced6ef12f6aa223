// The PostgreSQL Store (store.url / BLANKET_STORE_URL; loaded by the daemon only then). Every
// change is one transaction; rows it changes are locked (FOR UPDATE) first, so writers may run
// at once, in this process or in another. Tasks are JSON (body) plus derived, indexed columns
// (pg-schema.ts rowOf). Counts and the queue-group list are mirrored in memory, loaded at open
// and kept by this process's own commits and, with peers, by theirs as notified (pg-events.ts;
// docs/architecture.md, "The PostgreSQL store"). Every row write goes through pg-write.ts.
import pg from 'pg';
import type { PsParams, PsSections } from '../../protocol/methods.js';
import { isTerminal, type ScheduleRecord, type State, type Task } from '../../protocol/model.js';
import { nextId } from '../../core/ids.js';
import { type TaskEvent } from '../../core/states.js';
import { parseGroup } from './keys.js';
import { newTask } from './cascade.js';
import { PgMirror, type CountChange } from './pg-mirror.js';
import { pgMigrate } from './pg-schema.js';
import { cascade, lockTask, mayEnd } from './pg-cascade.js';
import { deleteTasks, insertNew, upsertRecord, writeChanges, writeFire, type Delta, type Note } from './pg-write.js';
import { runTx, type Client } from './pg-tx.js';
import { maskUrl, toStoreError, isConnectionLost } from './pg-errors.js';
import { pgPs } from './pg-ps.js';
import { pgAdmin } from './pg-admin.js';
import { pgOldestRunnable, pgPick, readWindows } from './pg-claim.js';
import { PeerFeed, type PeerChanges } from './pg-events.js';
import { claimExpiredHost, forgetRow, hostLeases, lockForForget, type HostLeases } from './pg-hosts.js';
import type { HostInfo } from '../../protocol/hosts.js';
import { chargeClaim, newFairShare, NO_POLICY, rateLimitedTypes, type DispatchPolicy } from '../../core/dispatch.js';
import type { FileProblem } from './files/leveldb.js';
import {
  StoreError,
  type Change,
  type ClaimRequest,
  type ForgetOutcome,
  type StatsSample,
  type Store,
  type StoreAdmin,
  type StoredType,
  type SubmitAlso,
  type TaskDraft,
} from './store.js';

export interface PostgresStoreOptions {
  url: string;
  resultsRoot: string;
  random?: () => number;
  /** Connections in the pool (default 10). */
  poolSize?: number;
  /** How long to wait for a connection, ms (default 5 s): a store that is down fails a call this fast. */
  connectTimeoutMs?: number;
  /** How long one statement may take before the client gives up on it, ms (default 15 s): a server that stops answering fails a call, not hangs it. */
  queryTimeoutMs?: number;
  /**
   * `sync_writes`: every transaction of this store commits with `synchronous_commit = on` (true,
   * the default; this overrides a server or database set to `off`, which would acknowledge a
   * submit that a crash of PostgreSQL can still lose) or `off` (false: faster, and a crash of
   * PostgreSQL may lose the last acknowledged changes, as a power cut may on LevelDB).
   */
  sync?: boolean;
  /** This daemon's name among those sharing the store: written on the tasks its workers claim, on its lease row and its notifications. */
  host?: string;
  /** Taken first at open (one daemon per home); its release is called at close. */
  homeLock?: () => Promise<() => Promise<void>>;
}

export class PostgresStore implements Store {
  private pool!: pg.Pool;
  private readonly mirrors = new PgMirror();
  private groups = new Set<string>();
  private groupsRead = 0;
  /** Fair share between labels and types: in memory, per daemon (core/dispatch.ts). */
  private readonly fair = newFairShare();
  private feed: PeerFeed | undefined;
  /** The URL with its password masked: what messages and `daemon status` show. */
  readonly where: string;
  private releaseHome: (() => Promise<void>) | undefined;
  /** LevelDB's start-up file checks have no counterpart here: always empty. */
  readonly startWarnings: FileProblem[] = [];
  readonly startLogWarnings: FileProblem[] = [];
  readonly keptDamaged: string | undefined = undefined;

  constructor(private readonly opts: PostgresStoreOptions) {
    this.where = maskUrl(opts.url);
  }

  async open(): Promise<void> {
    this.releaseHome ??= await this.opts.homeLock?.();
    this.pool = new pg.Pool({
      connectionString: this.opts.url,
      max: this.opts.poolSize ?? 10,
      connectionTimeoutMillis: this.opts.connectTimeoutMs ?? 5000,
      query_timeout: this.opts.queryTimeoutMs ?? 15_000,
      keepAlive: true,
      application_name: 'blanket',
      options: `-c synchronous_commit=${this.opts.sync === false ? 'off' : 'on'}`,
    });
    // An idle connection dropped (PostgreSQL restarted): the pool forgets it, the next call opens another.
    this.pool.on('error', () => {});
    try {
      await pgMigrate(this.pool, this.where);
      await this.load();
    } catch (err) {
      await this.pool.end().catch(() => {});
      throw toStoreError(err, this.where);
    }
  }

  /** The in-memory mirrors: counts per state and per type and state, and the queue groups. */
  private async load(): Promise<void> {
    // One statement: the counts and the snapshot they were read at.
    const rows = (
      await this.pool.query<{ s: string; type: string | null; state: State; n: number }>(
        `SELECT pg_current_snapshot()::text AS s, c.type, c.state, c.n FROM (SELECT 1) one LEFT JOIN (SELECT type, state, count(*)::int AS n FROM tasks GROUP BY type, state) c ON true`,
      )
    ).rows;
    this.mirrors.load(rows.filter((r) => r.type !== null) as Array<{ type: string; state: State; n: number }>, rows[0]!.s);
    await this.readGroups();
  }

  private async readGroups(): Promise<void> {
    const n = ++this.groupsRead;
    const rows = (await this.pool.query<{ grp: string }>('SELECT grp FROM queue_groups')).rows;
    if (n === this.groupsRead) this.groups = new Set(rows.map((r) => r.grp));
  }

  /** This daemon's name among those sharing the store (store.host). */
  get host(): string | undefined {
    return this.opts.host;
  }

  /**
   * Hear what other daemons change (LISTEN, and a catch-up every `catchUpMs` for what was missed):
   * the mirrors follow at once, and `deliver` gets the changed tasks as read after each commit.
   */
  async watch(deliver: (p: PeerChanges) => void, warn: (message: string, fields: Record<string, unknown>) => void, catchUpMs = 2000): Promise<void> {
    if (this.opts.host === undefined) throw new Error('watch() needs the store opened with a host name');
    this.feed = new PeerFeed({
      url: this.opts.url,
      host: this.opts.host,
      pool: () => this.pool,
      applyNotes: (xid, notes) => this.peerNotes(xid, notes),
      reload: () => this.load(),
      deliver,
      warn,
      catchUpMs,
    });
    await this.feed.start();
  }

  /** Other daemons' committed changes (a transaction's notes). */
  private peerNotes(xid: string, notes: Note[]): void {
    const changes: CountChange[] = [];
    for (const [, from, to, type] of notes) {
      if (from !== null) changes.push([type, from, -1]);
      if (to !== null) changes.push([type, to, 1]);
    }
    this.mirrors.apply(xid, changes);
    // Only a task entering or leaving WAITING can change the queue groups (a runnable task is
    // WAITING): a peer's starts and ends leave them alone. The newest read started wins (readGroups).
    if (notes.some(([, from, to]) => from === 'WAITING' || to === 'WAITING')) void this.readGroups().catch(() => {});
  }

  /** This daemon's lease row (store.host). */
  get leases(): HostLeases {
    return hostLeases(() => this.pool, this.opts.host!, this.where);
  }

  /**
   * A daemon whose lease ran out: marked gone (by one peer: its row is locked), then each task it
   * holds ends LOST (or is retried by its policy) in a transaction of its own, fenced by host and
   * attempt, so a peer that stops half way leaves the rest to the next one.
   */
  async takeOver(name: string, at: number): Promise<Change[]> {
    const held = await this.tx((c) => claimExpiredHost(c, name));
    const changes: Change[] = [];
    for (const { id, attempt } of held ?? []) changes.push(...(await this.tx((c, d) => this.lose(c, d, id, attempt, name, at))));
    return changes;
  }

  /** End a task the silent daemon `name` held (fenced by host and attempt), as its lost worker's would be. */
  private async lose(c: Client, d: Delta, id: string, attempt: number, name: string, at: number): Promise<Change[]> {
    const task = (await c.query<{ body: Task }>('SELECT body FROM tasks WHERE id = $1 FOR UPDATE', [id])).rows[0]?.body;
    if (!task || task.host !== name || task.attempt !== attempt || (task.state !== 'CLAIMED' && task.state !== 'RUNNING')) return [];
    const olds = new Map<string, Task>([[id, task]]);
    const reason = `taken over by ${this.opts.host ?? 'a peer'}: its daemon ${name} stopped renewing its lease`;
    const ch = await cascade(c, task, { type: 'lost', at, reason }, olds, this.opts.random);
    writeChanges(ch, olds, d);
    return ch;
  }

  async hosts(me: string): Promise<HostInfo[]> {
    return hostLeases(() => this.pool, me, this.where).list();
  }

  async forgottenHosts(): Promise<string[]> {
    return this.leases.forgotten();
  }

  /** One transaction: the tasks it still holds end as in a takeover, its row goes, its name is recorded as forgotten. */
  async forgetHost(name: string, me: string, at: number): Promise<ForgetOutcome> {
    return this.tx(async (c, d) => {
      const held = await lockForForget(c, name, me);
      if (!Array.isArray(held)) return { ok: false, ...held };
      const changes: Change[] = [];
      for (const { id, attempt } of held) changes.push(...(await this.lose(c, d, id, attempt, name, at)));
      // The ends written above are queued on the Delta (written at commit): the count does not see them yet.
      const row = await forgetRow(c, name, me);
      return { ok: true, changes, at: row.at, finished: row.finished + changes.filter((x) => isTerminal(x.task.state) && x.task.host === name).length };
    });
  }

  async close(): Promise<void> {
    await this.feed?.close();
    await this.pool?.end().catch(() => {});
    await this.releaseHome?.();
    this.releaseHome = undefined;
  }

  /** A failure to open that may pass (PostgreSQL down or starting), not a refusal (password, database). */
  transient(err: StoreError): boolean {
    return isConnectionLost(err.cause);
  }

  /** One transaction (pg-tx.ts), retried when PostgreSQL chose it as a deadlock victim; the mirrors follow once it committed. */
  private tx<T>(fn: (c: Client, d: Delta) => Promise<T>): Promise<T> {
    return runTx(this.pool, this.opts.host ?? null, this.where, fn, async (d) => {
      this.mirror(d);
      if (d.groupsChanged) await this.readGroups().catch(() => {});
    });
  }

  private mirror(d: Delta): void {
    this.mirrors.apply(d.xid, d.byType);
  }

  private async query<R extends pg.QueryResultRow>(text: string, values?: unknown[]): Promise<R[]> {
    try {
      return (await this.pool.query<R>(text, values)).rows;
    } catch (err) {
      throw toStoreError(err, this.where);
    }
  }

  async get(id: string): Promise<Task | undefined> {
    return (await this.query<{ body: Task }>('SELECT body FROM tasks WHERE id = $1', [id]))[0]?.body;
  }

  async findIds(prefix: string, limit: number): Promise<string[]> {
    const rows = await this.query<{ id: string }>(`SELECT id FROM tasks WHERE id >= $1 AND id < $1 || '\u{10ffff}' AND starts_with(id, $1) ORDER BY id LIMIT $2`, [prefix, limit]);
    return rows.map((r) => r.id);
  }

  submit(drafts: TaskDraft[], now: number, also: SubmitAlso = {}): Promise<Task[]> {
    if (drafts.length === 0 && !also.schedules?.length) return Promise.resolve([]);
    return this.tx(async (c, d) => {
      // The row is there from the first migration: locking it serialises submits, here and on other hosts.
      const meta = await c.query<{ value: string | null }>("SELECT value FROM blanket_meta WHERE key = 'last_id' FOR UPDATE");
      let lastId = meta.rows[0]?.value ?? undefined;
      const tasks: Task[] = [];
      const batch = new Map<string, Task>();
      for (const draft of drafts) {
        const id = nextId(lastId, now);
        lastId = id;
        // FOR SHARE: a dependency cannot end between this read and the commit, unseen by both.
        const task = await newTask(
          draft,
          id,
          now,
          this.opts.resultsRoot,
          async (dep) => batch.get(dep) ?? (await c.query<{ body: Task }>('SELECT body FROM tasks WHERE id = $1 FOR SHARE', [dep])).rows[0]?.body,
        );
        batch.set(id, task);
        tasks.push(task);
      }
      await insertNew(c, tasks, d);
      if (lastId !== undefined) {
        await c.query("INSERT INTO blanket_meta (key, value) VALUES ('last_id', $1) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value", [JSON.stringify(lastId)]);
      }
      for (const sc of also.schedules ?? []) {
        const fires = tasks.filter((t) => t.schedule?.name === sc.name).map((t) => t.schedule!.fireAt);
        await writeFire(c, sc, fires);
      }
      return tasks;
    });
  }

  apply(id: string, event: TaskEvent): Promise<Change[]> {
    return this.tx(async (c, d) => {
      const { changes, olds } = await this.changesOf(c, id, event);
      writeChanges(changes, olds, d);
      return changes;
    });
  }

  /** The changes an event makes (not yet written), with the versions before them of the rows it locked. */
  private async changesOf(c: Client, id: string, event: TaskEvent): Promise<{ changes: Change[]; olds: Map<string, Task> }> {
    // An event that may end the task also reads its waiting dependents, in the same round trip (after the task's lock).
    const [task, dependents] = await lockTask(c, id, mayEnd(event));
    if (!task) throw new StoreError(`no task ${id}`, 'not-found');
    // Worker names are per daemon: a report reaches only its own daemon, for a task that daemon holds.
    const by = 'by' in event ? event.by : undefined;
    if (by && this.opts.host !== undefined && task.host !== this.opts.host)
      throw new StoreError(`task ${id}: worker ${by.worker} reported attempt ${by.attempt}, but the daemon ${task.host ?? '(none)'} holds the task now`, 'stale');
    const olds = new Map<string, Task>([[id, task]]);
    return { changes: await cascade(c, task, event, olds, this.opts.random, dependents), olds };
  }

  async claim(req: ClaimRequest): Promise<Change | undefined> {
    const change = await this.tx(async (c, d) => {
      const picked = await pgPick(c, req, this.fair, this.opts.host);
      if (picked) writeChanges([picked.change], new Map([[picked.old.id, picked.old]]), d);
      return picked?.change;
    });
    if (change) chargeClaim(this.fair, change.task, req.policy ?? NO_POLICY);
    return change;
  }

  /**
   * A worker's report and the claim for the slot it frees in one transaction (a round trip and a
   * commit fewer than apart). The claim sees what the report changed without it being written
   * first (pgPick's `pending`); each task is written once, as it ends the transaction.
   */
  async applyThenClaim(id: string, event: TaskEvent, req: ClaimRequest): Promise<{ changes: Change[]; claimed: Change | undefined }> {
    const out = await this.tx(async (c, d) => {
      const { changes, olds } = await this.changesOf(c, id, event);
      const picked = await pgPick(c, req, this.fair, this.opts.host, changes);
      const claimed = picked?.change;
      // A task the report itself made runnable keeps its version from before the transaction.
      if (picked && !olds.has(picked.old.id)) olds.set(picked.old.id, picked.old);
      const last = new Map([...changes, ...(claimed ? [claimed] : [])].map((ch) => [ch.task.id, ch]));
      writeChanges([...last.values()], olds, d);
      return { changes, claimed };
    });
    if (out.claimed) chargeClaim(this.fair, out.claimed.task, req.policy ?? NO_POLICY);
    return out;
  }

  async oldestRunnable(): Promise<Task | undefined> {
    return pgOldestRunnable({ query: (text: string, values?: unknown[]) => this.pool.query(text, values) } as never);
  }

  async rateLimited(policy: DispatchPolicy, now: number): Promise<Record<string, number>> {
    const types = [...new Set(this.runnableTagSets().map((g) => g.type))].filter((type) => policy.rateLimits[type]);
    return rateLimitedTypes(types, await readWindows(this.pool, types), policy, now);
  }

  remove(ids: string[]): Promise<string[]> {
    if (ids.length === 0) return Promise.resolve([]);
    return this.tx(async (c, d) => {
      const rows = (await c.query<{ body: Task }>('SELECT body FROM tasks WHERE id = ANY($1::text[]) ORDER BY id FOR UPDATE', [[...new Set(ids)]])).rows.map((r) => r.body);
      const gone = rows.filter((t) => t.state !== 'CLAIMED' && t.state !== 'RUNNING');
      if (gone.length === 0) return [];
      await deleteTasks(c, gone, d);
      const order = new Map(ids.map((id, i) => [id, i]));
      return gone.map((t) => t.id).sort((a, b) => order.get(a)! - order.get(b)!);
    });
  }

  restore(tasks: Task[]): Promise<string[]> {
    if (tasks.length === 0) return Promise.resolve([]);
    return this.tx(async (c, d) => {
      const lastId = (await c.query<{ value: string | null }>("SELECT value FROM blanket_meta WHERE key = 'last_id' FOR UPDATE")).rows[0]?.value ?? undefined;
      const have = new Set((await c.query<{ id: string }>('SELECT id FROM tasks WHERE id = ANY($1::text[])', [tasks.map((t) => t.id)])).rows.map((r) => r.id));
      const fresh = [...new Map(tasks.filter((t) => !have.has(t.id)).map((t) => [t.id, t])).values()];
      await insertNew(c, fresh, d);
      const top = fresh.reduce<string | undefined>((m, t) => (m === undefined || t.id > m ? t.id : m), lastId);
      if (top !== lastId) await c.query("UPDATE blanket_meta SET value = $1 WHERE key = 'last_id'", [JSON.stringify(top)]);
      return fresh.map((t) => t.id);
    });
  }

  async oldestFinished(limit: number, endedBefore?: number, hosts?: readonly string[]): Promise<Task[]> {
    const values: unknown[] = [limit];
    let where = '';
    if (endedBefore !== undefined) where += ` AND ended_at < $${values.push(endedBefore)}`;
    // The host column is kept only while a task is held; a finished task's host is in its body.
    if (hosts !== undefined) where += ` AND (NOT body ? 'host' OR body->>'host' = ANY($${values.push([...hosts])}::text[]))`;
    return (await this.query<{ body: Task }>(`SELECT body FROM tasks WHERE ended_at IS NOT NULL ${where} ORDER BY ended_at, id LIMIT $1`, values)).map((r) => r.body);
  }

  async due(now: number, limit: number): Promise<string[]> {
    return (await this.query<{ id: string }>('SELECT id FROM tasks WHERE not_before <= $1 ORDER BY not_before, id LIMIT $2', [now, limit])).map((r) => r.id);
  }

  async nextDue(): Promise<number | undefined> {
    const v = (await this.query<{ t: string | null }>('SELECT min(not_before) AS t FROM tasks WHERE not_before IS NOT NULL'))[0]?.t;
    return v === null || v === undefined ? undefined : Number(v);
  }

  async dependents(id: string): Promise<string[]> {
    return (await this.query<{ id: string }>('SELECT id FROM tasks WHERE cardinality(after_ids) > 0 AND after_ids @> ARRAY[$1]::text[] ORDER BY id', [id])).map((r) => r.id);
  }

  async active(worker?: string): Promise<Task[]> {
    // Worker names are per daemon: only this daemon's (its host) are meant.
    const host = this.opts.host ?? null;
    const rows =
      worker !== undefined
        ? await this.query<{ body: Task }>('SELECT body FROM tasks WHERE worker = $1 AND host IS NOT DISTINCT FROM $2 ORDER BY id', [worker, host])
        : await this.query<{ body: Task }>("SELECT body FROM tasks WHERE state IN ('CLAIMED', 'RUNNING') AND host IS NOT DISTINCT FROM $1 ORDER BY state, id", [host]);
    return rows.map((r) => r.body);
  }

  ps(params: PsParams): Promise<PsSections> {
    return pgPs(
      (text, values) => this.query(text, values),
      () => this.counts(),
      params,
    );
  }

  counts(): Record<State, number> {
    return this.mirrors.byState();
  }

  runnableTagSets(): Array<{ tags: string[]; type: string }> {
    return [...this.groups].map(parseGroup);
  }

  countsByType(): Record<string, Partial<Record<State, number>>> {
    return this.mirrors.byType();
  }

  async finished(limit: number): Promise<Task[]> {
    return (await this.query<{ body: Task }>('SELECT body FROM tasks WHERE ended_at IS NOT NULL ORDER BY ended_at DESC, id DESC LIMIT $1', [limit])).map((r) => r.body);
  }

  async countFinishedSince(since: number, cap: number): Promise<number> {
    return (await this.query<{ n: number }>('SELECT count(*)::int AS n FROM (SELECT 1 FROM tasks WHERE ended_at > $1 LIMIT $2) x', [since, cap]))[0]!.n;
  }

  appendSample(sample: StatsSample, dropBefore: number): Promise<void> {
    return this.tx(async (c) => {
      await c.query('DELETE FROM stats_samples WHERE at < $1', [dropBefore]);
      await c.query('INSERT INTO stats_samples (at, body) VALUES ($1, $2) ON CONFLICT (at) DO UPDATE SET body = EXCLUDED.body', [sample.at, JSON.stringify(sample)]);
    });
  }

  async samples(since: number, limit: number): Promise<StatsSample[]> {
    const rows = await this.query<{ body: StatsSample }>('SELECT body FROM (SELECT at, body FROM stats_samples WHERE at >= $1 ORDER BY at DESC LIMIT $2) s ORDER BY at', [
      since,
      limit,
    ]);
    return rows.map((r) => r.body);
  }

  async storedTypes(): Promise<StoredType[]> {
    return (await this.query<{ body: StoredType }>('SELECT body FROM stored_types ORDER BY name')).map((r) => r.body);
  }

  putStoredType(type: StoredType): Promise<void> {
    return this.tx((c) => upsertRecord(c, 'stored_types', type.name, type));
  }

  removeStoredType(name: string): Promise<boolean> {
    return this.tx(async (c) => ((await c.query('DELETE FROM stored_types WHERE name = $1', [name])).rowCount ?? 0) > 0);
  }

  async getSchedule(name: string): Promise<ScheduleRecord | undefined> {
    return (await this.query<{ body: ScheduleRecord }>('SELECT body FROM schedules WHERE name = $1', [name]))[0]?.body;
  }

  async listSchedules(): Promise<ScheduleRecord[]> {
    return (await this.query<{ body: ScheduleRecord }>('SELECT body FROM schedules ORDER BY name')).map((r) => r.body);
  }

  putSchedule(schedule: ScheduleRecord): Promise<void> {
    // Its cursor never goes back: another daemon on the store may have decided later fires already.
    return this.tx((c) => writeFire(c, schedule, []));
  }

  removeSchedule(name: string): Promise<boolean> {
    return this.tx(async (c) => ((await c.query('DELETE FROM schedules WHERE name = $1', [name])).rowCount ?? 0) > 0);
  }

  async scheduleTasks(name: string, limit: number): Promise<string[]> {
    return (await this.query<{ id: string }>('SELECT id FROM tasks WHERE schedule = $1 ORDER BY id DESC LIMIT $2', [name, limit])).map((r) => r.id);
  }

  get admin(): StoreAdmin {
    return pgAdmin({
      pool: () => this.pool,
      url: this.opts.url,
      where: this.where,
      counts: () => this.counts(),
      reload: () => this.load(),
    });
  }
}
