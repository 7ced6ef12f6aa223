// The LevelDB side of a claim: the candidates (the head of each queue group whose tags the worker
// has) and the rate-limit windows kept in `r!TYPE`. Which candidate wins is core/dispatch.ts's.
import type { ClassicLevel } from 'classic-level';
import { K, parseGroup, range } from './keys.js';
import type { Op } from './level-counts.js';

/** Queue keys a batch not yet written adds and removes (see LevelStore.applyThenClaim): the claim sees them. */
export interface QueueOverlay {
  puts: string[];
  dels: Set<string>;
}

/** A queue key's group (`q!GROUP!PRIO!ID`). */
export function queueGroup(key: string): string {
  return key.slice(2, key.lastIndexOf('!', key.lastIndexOf('!') - 1));
}

/**
 * The first queue key of each group the worker's tags satisfy; groups found empty are returned apart.
 * With an overlay, keys it deletes are passed over and keys it adds count as present.
 */
export async function queueHeads(
  db: ClassicLevel<string, unknown>,
  groups: Iterable<string>,
  tags: readonly string[],
  overlay: QueueOverlay = { puts: [], dels: new Set() },
): Promise<{ heads: string[]; emptied: string[] }> {
  const have = new Set(tags);
  const heads: string[] = [];
  const emptied: string[] = [];
  const added = new Map<string, string>();
  for (const k of overlay.puts) {
    const g = queueGroup(k);
    const was = added.get(g);
    if (was === undefined || k < was) added.set(g, k);
  }
  for (const g of new Set([...groups, ...added.keys()])) {
    if (!parseGroup(g).tags.every((t) => have.has(t))) continue;
    let gone = 0;
    for (const k of overlay.dels) if (queueGroup(k) === g) gone++;
    const stored = (await db.keys({ ...range(`q!${g}!`), limit: gone + 1 }).all()).find((k) => !overlay.dels.has(k));
    const put = added.get(g);
    const key = stored === undefined ? put : put === undefined || stored < put ? stored : put;
    if (key === undefined) {
      if (gone === 0) emptied.push(g); // one the overlay empties is the batch's to forget (emptiedGroups)
    } else heads.push(key);
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
    const g = queueGroup(op.key);
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
