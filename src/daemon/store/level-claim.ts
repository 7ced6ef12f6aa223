// The LevelDB side of a claim: the candidates (the head of each queue group whose tags the worker
// has) and the rate-limit windows kept in `r!TYPE`. Which candidate wins is core/dispatch.ts's.
import type { ClassicLevel } from 'classic-level';
import { K, parseGroup, range } from './keys.js';
import type { Op } from './level-counts.js';

/** The first queue key of each group the worker's tags satisfy; groups found empty are returned apart. */
export async function queueHeads(db: ClassicLevel<string, unknown>, groups: Iterable<string>, tags: readonly string[]): Promise<{ heads: string[]; emptied: string[] }> {
  const have = new Set(tags);
  const heads: string[] = [];
  const emptied: string[] = [];
  for (const g of groups) {
    if (!parseGroup(g).tags.every((t) => have.has(t))) continue;
    const [key] = await db.keys({ ...range(`q!${g}!`), limit: 1 }).all();
    if (key === undefined) emptied.push(g);
    else heads.push(key);
  }
  return { heads, emptied };
}

/** Every kept window, by type. */
export async function loadStarts(db: ClassicLevel<string, unknown>): Promise<Map<string, number[]>> {
  const m = new Map<string, number[]>();
  for (const [key, value] of await db.iterator(range('r!')).all()) if (Array.isArray(value)) m.set(key.slice(2), value as number[]);
  return m;
}

/**
 * Queue groups this batch leaves without a runnable task: their `g!` key is deleted in the same
 * batch (added to `ops`), so groups of tag sets nobody runs any more do not pile up.
 */
export async function emptiedGroups(db: ClassicLevel<string, unknown>, ops: Op[]): Promise<string[]> {
  const gone = new Map<string, Set<string>>();
  const added = new Set<string>();
  for (const op of ops) {
    if (!op.key.startsWith('q!')) continue;
    const g = op.key.slice(2, op.key.lastIndexOf('!', op.key.lastIndexOf('!') - 1));
    if (op.type === 'put') added.add(g);
    else (gone.get(g) ?? gone.set(g, new Set()).get(g)!).add(op.key);
  }
  const emptied: string[] = [];
  for (const [g, keys] of gone) {
    if (added.has(g)) continue;
    const left = await db.keys({ ...range(`q!${g}!`), limit: keys.size + 1 }).all();
    if (left.every((k) => keys.has(k))) {
      emptied.push(g);
      ops.push({ type: 'del', key: K.group(g) });
    }
  }
  return emptied;
}

/**
 * The first queue key of every priority band of every group: within a band keys are in id order,
 * so these hold the oldest runnable task of each (one seek per band, never a scan of the queue).
 */
export async function bandHeads(db: ClassicLevel<string, unknown>, groups: Iterable<string>): Promise<string[]> {
  const heads: string[] = [];
  for (const g of groups) {
    for (let from = `q!${g}!`; ;) {
      const [key] = await db.keys({ gte: from, lt: `q!${g}!\xff`, limit: 1 }).all();
      if (key === undefined) break;
      heads.push(key);
      from = `${key.slice(0, key.lastIndexOf('!'))}!\xff`;
    }
  }
  return heads;
}
