// `db repair`: everything derived (index keys, per-state counters, queue
// groups, the last id) is rebuilt from the task records with indexKeys(), the
// same function every write uses. Records that cannot be read as tasks are
// removed (the caller made a backup first). Idempotent: a repair cut short is
// finished by running it again.
import type { ClassicLevel } from 'classic-level';
import { STATES, type State, type Task } from '../../protocol/model.js';
import { invalidTask, RECORD_PREFIXES } from './check.js';
import { groupOf, indexKeys, isRunnable, K, range } from './keys.js';
import { LATEST_SCHEMA } from './migrations.js';

type Db = ClassicLevel<string, unknown>;
type Op = { type: 'put'; key: string; value: string } | { type: 'del'; key: string };

const BATCH = 5000;

export interface RebuildResult {
  tasks: number;
  removed: Array<{ key: string; reason: string }>;
  removedCount: number;
  rebuilt: { indexKeys: number; counters: number; groups: number };
}

export async function rebuildDerived(db: Db): Promise<RebuildResult> {
  const enc = { valueEncoding: 'utf8' } as const;
  let ops: Op[] = [];
  const flush = async (sync = false) => {
    if (ops.length) await db.batch(ops as never, { ...enc, sync });
    ops = [];
  };
  const push = async (op: Op) => {
    ops.push(op);
    if (ops.length >= BATCH) await flush();
  };

  // 1. Drop everything derived: all but task records, meta and records of their own (iterators read a snapshot: deleting is safe).
  for (const bounds of [{ lt: 't!' }, { gte: 't"' }]) {
    for await (const key of db.keys(bounds)) {
      if (key === K.schema || key === K.lastId || RECORD_PREFIXES.includes(key.slice(0, Math.max(0, key.indexOf('!'))))) continue;
      await push({ type: 'del', key });
    }
  }
  await flush();

  // 2. Every readable record writes its index keys; the others go.
  const result: RebuildResult = { tasks: 0, removed: [], removedCount: 0, rebuilt: { indexKeys: 0, counters: 0, groups: 0 } };
  const counts = Object.fromEntries(STATES.map((s) => [s, 0])) as Record<State, number>;
  const groups = new Set<string>();
  const byType = new Map<string, number>();
  let maxId: string | undefined;
  for await (const [key, raw] of db.iterator({ ...range('t!'), ...enc })) {
    let value: unknown;
    let reason: string | undefined;
    try {
      value = JSON.parse(raw as string);
      reason = invalidTask(value, key);
    } catch {
      reason = 'not JSON';
    }
    if (reason) {
      if (result.removed.length < 1000) result.removed.push({ key, reason });
      result.removedCount++;
      await push({ type: 'del', key });
      continue;
    }
    const task = value as Task;
    result.tasks++;
    counts[task.state]++;
    byType.set(`${task.type}!${task.state}`, (byType.get(`${task.type}!${task.state}`) ?? 0) + 1);
    if (isRunnable(task)) groups.add(groupOf(task));
    if (maxId === undefined || task.id > maxId) maxId = task.id;
    for (const k of indexKeys(task)) {
      await push({ type: 'put', key: k, value: '""' });
      result.rebuilt.indexKeys++;
    }
  }

  // 3. Counters, groups, the last id (never lowered: ids must not repeat), the schema.
  for (const s of STATES) await push({ type: 'put', key: K.count(s), value: String(counts[s]) });
  for (const [k, n] of byType) await push({ type: 'put', key: `ct!${k}`, value: String(n) });
  result.rebuilt.counters = STATES.length + byType.size;
  for (const g of groups) await push({ type: 'put', key: K.group(g), value: '""' });
  result.rebuilt.groups = groups.size;
  let lastId: unknown;
  try {
    lastId = JSON.parse(((await db.get(K.lastId, enc)) as string | undefined) ?? 'null');
  } catch {
    lastId = null;
  }
  const keep = typeof lastId === 'string' && /^[0-9a-z]+$/.test(lastId) ? lastId : undefined;
  const next = keep !== undefined && (maxId === undefined || keep > maxId) ? keep : maxId;
  if (next !== undefined) await push({ type: 'put', key: K.lastId, value: JSON.stringify(next) });
  else await push({ type: 'del', key: K.lastId });
  await push({ type: 'put', key: K.schema, value: String(LATEST_SCHEMA) });
  await flush(true);
  return result;
}
