// `db check`: the files (every checksum LevelDB wrote), then the records and
// everything derived from them, read from one snapshot so a running daemon's
// writes do not show up as problems. Memory stays bounded: derived keys are
// looked up in batches, never collected.
import type { ClassicLevel } from 'classic-level';
import type { DbCheckResult, DbProblem } from '../../protocol/db.js';
import { STATES, type State, type Task } from '../../protocol/model.js';
import { verifyFilesSettled } from './files/leveldb.js';
import { groupOf, idOf, indexKeys, isRunnable, range } from './keys.js';
import { LATEST_SCHEMA } from './migrations.js';

type Db = ClassicLevel<string, unknown>;

const MAX_LISTED = 1000;
const BATCH = 1000;
/** Prefixes of index keys (everything indexKeys() makes). */
export const INDEX_PREFIXES = ['s', 'ts', 'ls', 'q', 'n', 'b', 'f', 'w', 'd', 'st'];
/** Prefixes of records of their own, not derived from tasks: schedules, task types added over RPC, stats samples. */
export const RECORD_PREFIXES = ['sc', 'y', 'h', 'r'];
const META_KEYS = new Set(['m!schema', 'm!lastid']);

/** Why a value cannot be a task record stored under `key`, or undefined when it can. */
export function invalidTask(v: unknown, key: string): string | undefined {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return 'not an object';
  const t = v as Partial<Task>;
  if (typeof t.id !== 'string' || !/^[0-9a-z]+$/.test(t.id)) return 'no valid id';
  if (key !== `t!${t.id}`) return `holds task ${t.id}`;
  if (!STATES.includes(t.state as State)) return `unknown state ${JSON.stringify(t.state)}`;
  for (const f of ['type', 'executor', 'command', 'resultDir'] as const) if (typeof t[f] !== 'string') return `${f} is not a string`;
  for (const f of ['priority', 'attempt', 'createdAt', 'updatedAt', 'timeout', 'retries'] as const) if (typeof t[f] !== 'number') return `${f} is not a number`;
  for (const f of ['tags', 'after', 'waitingOn'] as const)
    if (!Array.isArray(t[f]) || !(t[f] as unknown[]).every((x) => typeof x === 'string')) return `${f} is not a list of strings`;
  if (!Array.isArray(t.attempts)) return 'attempts is not a list';
  if (typeof t.env !== 'object' || t.env === null) return 'env is not an object';
  return undefined;
}

function isCorruption(err: unknown): boolean {
  const e = err as { code?: string; message?: string; cause?: { code?: string } };
  return e?.code === 'LEVEL_CORRUPTION' || e?.cause?.code === 'LEVEL_CORRUPTION' || /Corruption/.test(e?.message ?? '');
}

function parse(raw: string | undefined): { value?: unknown; error?: string } {
  if (raw === undefined) return {};
  try {
    return { value: JSON.parse(raw) };
  } catch {
    return { error: 'not JSON' };
  }
}

export async function checkStore(db: Db, location: string, via: DbCheckResult['via']): Promise<DbCheckResult> {
  const started = Date.now();
  const problems: DbProblem[] = [];
  let more = 0;
  const problem = (p: DbProblem) => (problems.length < MAX_LISTED ? problems.push(p) : more++);

  const files = await verifyFilesSettled(location);
  for (const p of files.problems) problem({ kind: 'file', file: p.file, ...(p.offset !== undefined ? { offset: p.offset } : {}), message: p.message });

  const counts = Object.fromEntries(STATES.map((s) => [s, 0])) as Record<State, number>;
  /** Tasks by `type!state`, for the per-type counters (ct!). */
  const byType = new Map<string, number>();
  let tasks = 0;
  let keys = 0;
  const snapshot = db.snapshot();
  const opts = { snapshot, valueEncoding: 'utf8' } as const;
  try {
    const schema = parse((await db.get('m!schema', opts)) as string | undefined);
    if (schema.value === undefined) problem({ kind: 'meta', key: 'm!schema', message: schema.error ?? 'missing' });
    else if (typeof schema.value !== 'number' || schema.value > LATEST_SCHEMA)
      problem({ kind: 'meta', key: 'm!schema', message: `unexpected value ${JSON.stringify(schema.value)}` });
    const lastRaw = parse((await db.get('m!lastid', opts)) as string | undefined);
    const lastId = typeof lastRaw.value === 'string' ? lastRaw.value : undefined;
    if (lastRaw.value !== undefined && lastId === undefined) problem({ kind: 'meta', key: 'm!lastid', message: 'not a task id' });

    // Records, and the derived keys each implies.
    const groups = new Set<string>();
    let maxId: string | undefined;
    let want: string[] = [];
    const flushWanted = async () => {
      const found = (await db.getMany(want, opts)) as Array<string | undefined>;
      want.forEach((k, i) => found[i] === undefined && problem({ kind: 'index', key: k, message: 'missing index key' }));
      want = [];
    };
    try {
      for await (const [key, raw] of db.iterator({ ...range('t!'), ...opts })) {
        tasks++;
        const { value, error } = parse(raw as string);
        const bad = error ?? invalidTask(value, key);
        if (bad) {
          problem({ kind: 'record', key, message: `unreadable task record: ${bad}` });
          continue;
        }
        const task = value as Task;
        counts[task.state]++;
        byType.set(`${task.type}!${task.state}`, (byType.get(`${task.type}!${task.state}`) ?? 0) + 1);
        if (isRunnable(task)) groups.add(groupOf(task));
        if (maxId === undefined || task.id > maxId) maxId = task.id;
        want.push(...indexKeys(task));
        if (want.length >= BATCH) await flushWanted();
      }
      await flushWanted();

      // Every other key: index keys must be implied by their record; counters and groups checked below.
      const registered = new Set<string>();
      const counters = new Map<string, string>();
      const typeCounters = new Map<string, string>();
      let batch: string[] = [];
      const flushIndex = async () => {
        const recs = (await db.getMany(
          batch.map((k) => `t!${idOf(k)}`),
          opts,
        )) as Array<string | undefined>;
        batch.forEach((k, i) => {
          const { value } = parse(recs[i]);
          if (value === undefined) problem({ kind: 'index', key: k, message: 'stale index key: no such task record' });
          else if (invalidTask(value, `t!${idOf(k)}`) === undefined && !indexKeys(value as Task).includes(k))
            problem({ kind: 'index', key: k, message: 'stale index key: its task record does not imply it' });
        });
        batch = [];
      };
      // Everything but the records: the keys before t! and after it ('"' follows '!').
      for (const bounds of [{ lt: 't!' }, { gte: 't"' }]) {
        for await (const [key, raw] of db.iterator({ ...bounds, ...opts })) {
          keys++;
          const prefix = key.slice(0, Math.max(0, key.indexOf('!')));
          if (prefix === 'm') {
            if (!META_KEYS.has(key)) problem({ kind: 'key', key, message: 'unknown meta key' });
          } else if (prefix === 'c') counters.set(key.slice(2), raw as string);
          else if (prefix === 'ct') typeCounters.set(key.slice(3), raw as string);
          else if (RECORD_PREFIXES.includes(prefix)) {
            if (parse(raw as string).value === undefined) problem({ kind: 'record', key, message: 'unreadable record: not JSON' });
          } else if (prefix === 'g') registered.add(key.slice(2));
          else if (INDEX_PREFIXES.includes(prefix)) {
            batch.push(key);
            if (batch.length >= BATCH) await flushIndex();
          } else problem({ kind: 'key', key, message: 'not a key blanket writes' });
        }
      }
      await flushIndex();
      keys += tasks;

      for (const state of counters.keys()) if (!STATES.includes(state as State)) problem({ kind: 'counter', key: `c!${state}`, message: 'a counter for no state' });
      for (const s of STATES) {
        const { value } = parse(counters.get(s));
        const n = value === undefined ? 0 : value;
        if (n !== counts[s]) problem({ kind: 'counter', key: `c!${s}`, message: `says ${JSON.stringify(n)}, the records hold ${counts[s]}` });
      }
      for (const k of new Set([...byType.keys(), ...typeCounters.keys()])) {
        const { value } = parse(typeCounters.get(k));
        const n = value === undefined ? 0 : value;
        if (n !== (byType.get(k) ?? 0)) problem({ kind: 'counter', key: `ct!${k}`, message: `says ${JSON.stringify(n)}, the records hold ${byType.get(k) ?? 0}` });
      }
      for (const g of groups)
        if (!registered.has(g)) problem({ kind: 'group', key: `g!${g}`, message: 'runnable tasks in an unregistered queue group (claims would not see them)' });
      if (maxId !== undefined && (lastId === undefined || lastId < maxId))
        problem({ kind: 'meta', key: 'm!lastid', message: `is ${lastId ?? 'missing'}, below task ${maxId} (new ids could repeat old ones)` });
    } catch (err) {
      // A damaged table a running daemon serves anyway (see LevelStore.verifyBeforeOpen): the file
      // problems above say where; the records cannot all be read, so nothing derived is judged.
      if (!isCorruption(err)) throw err;
      problem({ kind: 'file', message: `reading the records stopped at damage: ${(err as Error).message}; stop the daemon and run 'blanket db repair'` });
    }
  } finally {
    await snapshot.close();
  }
  return {
    ok: problems.length === 0,
    location,
    via,
    tasks,
    keys,
    counts,
    files: { ...(files.manifest ? { manifest: files.manifest } : {}), tables: Object.keys(files.tables).length, logs: files.logs.length, blocks: files.blocks, bytes: files.bytes },
    problems,
    moreProblems: more,
    ms: Date.now() - started,
  };
}
