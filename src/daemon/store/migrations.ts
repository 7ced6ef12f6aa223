// Store schema migrations: append-only and numbered. Each runs as one batch.
import type { ClassicLevel } from 'classic-level';
import { STATES, type Task } from '../../protocol/model.js';
import { groupOf, idOf, indexKeys, isRunnable, K, range } from './keys.js';
import { StoreError } from './store.js';

type Db = ClassicLevel<string, unknown>;

export interface Migration {
  version: number;
  description: string;
  up(db: Db): Promise<void>;
}

export const MIGRATIONS: Migration[] = [
  {
    version: 1,
    description: 'initial layout: task records and their indexes',
    async up() {},
  },
  {
    version: 2,
    description: 'per-state counters and the queue-group registry, so counts and claims need no scan',
    async up(db) {
      const counts = Object.fromEntries(STATES.map((s) => [s, 0])) as Record<string, number>;
      const groups = new Set<string>();
      for await (const value of db.values(range('t!'))) {
        const t = value as Task;
        counts[t.state] = (counts[t.state] ?? 0) + 1;
        if (isRunnable(t)) groups.add(groupOf(t));
      }
      await db.batch([
        ...STATES.map((s) => ({ type: 'put' as const, key: K.count(s), value: counts[s] })),
        ...[...groups].map((g) => ({ type: 'put' as const, key: K.group(g), value: '' })),
        { type: 'put', key: K.schema, value: 2 },
      ]);
    },
  },
  {
    version: 3,
    description: 'schedules (sc!NAME) and the index of the tasks each made (st!NAME!ID)',
    async up(db) {
      const ops: Array<{ type: 'put'; key: string; value: unknown }> = [];
      for await (const value of db.values(range('t!'))) {
        const t = value as Task;
        if (t.schedule) ops.push({ type: 'put', key: `${K.scheduleTasks(t.schedule.name)}${t.id}`, value: '' });
      }
      await db.batch([...ops, { type: 'put', key: K.schema, value: 3 }]);
    },
  },
  {
    version: 4,
    description: 'per-type counters (ct!TYPE!STATE) for stats; task types added over RPC (y!NAME) and stats samples (h!TIME) get their own prefixes',
    async up(db) {
      const counts = new Map<string, number>();
      for await (const value of db.values(range('t!'))) {
        const t = value as Task;
        counts.set(`${t.type}!${t.state}`, (counts.get(`${t.type}!${t.state}`) ?? 0) + 1);
      }
      await db.batch([...[...counts].map(([k, n]) => ({ type: 'put' as const, key: `ct!${k}`, value: n })), { type: 'put', key: K.schema, value: 4 }]);
    },
  },
  {
    version: 5,
    description: 'queue groups split by label (q!TAGS|TYPE|LABEL!…) for fair share between labels; rate-limit windows (r!TYPE)',
    async up(db) {
      // Only runnable tasks have queue keys: rewrite those of labelled tasks, and the group registry.
      const ops: Array<{ type: 'put'; key: string; value: unknown } | { type: 'del'; key: string }> = [];
      const groups = new Set<string>();
      for await (const key of db.keys(range('q!'))) {
        const t = (await db.get(K.task(idOf(key)))) as Task | undefined;
        if (!t || !isRunnable(t)) continue;
        const now = indexKeys(t).find((k) => k.startsWith('q!'))!;
        groups.add(groupOf(t));
        if (now === key) continue;
        ops.push({ type: 'del', key }, { type: 'put', key: now, value: '' });
      }
      for await (const key of db.keys(range('g!'))) if (!groups.has(key.slice(2))) ops.push({ type: 'del', key });
      for (const g of groups) ops.push({ type: 'put', key: K.group(g), value: '' });
      await db.batch([...ops, { type: 'put', key: K.schema, value: 5 }]);
    },
  },
];

export const LATEST_SCHEMA = MIGRATIONS[MIGRATIONS.length - 1]!.version;

/** Bring a store to LATEST_SCHEMA (a new one is stamped with it); refuse one a newer blanket wrote. */
export async function migrate(db: Db, location: string): Promise<void> {
  let version = (await db.get(K.schema)) as number | undefined;
  if (version === undefined) {
    const any = await db.keys({ limit: 1 }).all();
    if (any.length > 0) throw new StoreError(`the store at ${location} has data but no schema version: it is not a blanket store, or it is damaged`, 'corrupt');
    await db.put(K.schema, LATEST_SCHEMA);
    return;
  }
  if (version > LATEST_SCHEMA) {
    throw new StoreError(`the store was written by a newer blanket (schema ${version}, this one knows up to ${LATEST_SCHEMA}); upgrade blanket`, 'newer-schema');
  }
  for (const m of MIGRATIONS) {
    if (m.version <= version) continue;
    await m.up(db);
    await db.put(K.schema, m.version);
    version = m.version;
  }
}
