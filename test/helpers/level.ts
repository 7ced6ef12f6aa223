// LevelStore for tests: a temp-dir factory and a check that every derived key
// (indexes, counters, group registry) is exactly what the task records imply.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Test } from 'tap';
import type { ClassicLevel } from 'classic-level';
import { LevelStore } from '../../src/daemon/store/level.js';
import { groupOf, indexKeys, isRunnable } from '../../src/daemon/store/keys.js';
import type { Store } from '../../src/daemon/store/store.js';
import { STATES, type Task } from '../../src/protocol/model.js';
import type { StoreHandle } from './store-conformance.js';

/** Every derived key in the db must be exactly what the records imply. */
export async function levelConsistency(store: Store): Promise<string[]> {
  const db = (store as unknown as { db: ClassicLevel<string, unknown> }).db;
  const problems: string[] = [];
  const want = new Set<string>();
  const counts = Object.fromEntries(STATES.map((s) => [s, 0])) as Record<string, number>;
  const groups = new Set<string>();
  const byType = new Map<string, number>();
  for await (const [key, value] of db.iterator({ gte: 't!', lt: 't!\xff' })) {
    const task = value as Task;
    if (key !== `t!${task.id}`) problems.push(`record ${key} holds task ${task.id}`);
    for (const k of indexKeys(task)) want.add(k);
    counts[task.state]!++;
    byType.set(`${task.type}!${task.state}`, (byType.get(`${task.type}!${task.state}`) ?? 0) + 1);
    if (isRunnable(task)) groups.add(groupOf(task));
  }
  const have = new Set<string>();
  for await (const [key, value] of db.iterator()) {
    // Schedules, task types added over RPC and stats samples are records of their own, not derived from tasks.
    if (key.startsWith('t!') || key.startsWith('m!') || key.startsWith('sc!') || key.startsWith('y!') || key.startsWith('h!')) continue;
    if (key.startsWith('c!')) {
      if (value !== counts[key.slice(2)]) problems.push(`${key} = ${String(value)}, records say ${counts[key.slice(2)]}`);
      continue;
    }
    if (key.startsWith('ct!')) {
      const want = byType.get(key.slice(3));
      if (value !== want) problems.push(`${key} = ${String(value)}, records say ${want ?? 0}`);
      byType.delete(key.slice(3));
      continue;
    }
    if (key.startsWith('g!')) {
      groups.delete(key.slice(2)); // registered groups may be empty (cleaned lazily); runnable ones must be registered
      continue;
    }
    have.add(key);
  }
  for (const k of want) if (!have.has(k)) problems.push(`missing index key ${k}`);
  for (const k of have) if (!want.has(k)) problems.push(`stale index key ${k}`);
  for (const g of groups) problems.push(`runnable group ${g} is not registered`);
  for (const [k, n] of byType) problems.push(`missing counter ct!${k} (records say ${n})`);
  return problems;
}

export async function makeLevelStore(t: Test): Promise<StoreHandle> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bk-store-'));
  const opts = { location: path.join(dir, 'db'), resultsRoot: path.join(dir, 'results'), sync: false, random: () => 0.5 };
  let store = new LevelStore(opts);
  await store.open();
  t.teardown(async () => {
    await store.close().catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  });
  return {
    get store() {
      return store;
    },
    async reopen() {
      await store.close();
      store = new LevelStore(opts);
      await store.open();
      return store;
    },
    consistency: levelConsistency,
  };
}
