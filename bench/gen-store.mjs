// A LevelDB store of N tasks, written with the real LevelStore (daemon stopped),
// cached under bench/.cache/ so it is built once per N and store layout.
//
//   node bench/gen-store.mjs --scale 1000000     build (or reuse) the cached store
//
// The mix: the oldest 90 % ended SUCCESS (claim → start → exit through the real
// transition function), the newest 10 % are still queued (a backlog). Task
// times are spread over the 30 days before the build, at most ~200 a second.
import { createHash } from 'node:crypto';
import { existsSync, linkSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, copyFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { CACHE, DIST, dist } from './lib/repo.mjs';

const BATCH = 5000;
export const FINISHED_SHARE = 0.9;
/** resultDir of generated tasks: as long as a real bench home's, and never read. */
const RESULTS_ROOT = '/tmp/bkb-000000/s/results';

/** What a cached store depends on: the store code and the transition function. */
function layoutHash() {
  const h = createHash('sha256');
  for (const f of ['daemon/store/level.js', 'daemon/store/keys.js', 'daemon/store/migrations.js', 'core/states.js', 'core/ids.js']) {
    h.update(readFileSync(path.join(DIST, f)));
  }
  return h.digest('hex').slice(0, 12);
}

export function draft() {
  // What daemon/submit.ts prepare() makes of `blanket run -- true`.
  return {
    type: 'shell',
    priority: 0,
    env: { COMMAND: 'true' },
    tags: ['sh'],
    executor: 'sh',
    command: 'true',
    files: [],
    timeout: 3600,
    retries: 0,
    retryBackoff: 10000,
    maxConcurrent: 0,
    after: [],
  };
}

/**
 * The cached store of `n` tasks: { dir (the LevelDB directory), meta }. Builds it when missing.
 * `log` gets progress lines.
 */
export async function ensureStore(n, log = () => {}) {
  const key = `store-${n}-${layoutHash()}`;
  const dir = path.join(CACHE, key);
  const metaFile = path.join(dir, 'meta.json');
  if (existsSync(metaFile)) return { dir: path.join(dir, 'db'), meta: JSON.parse(readFileSync(metaFile, 'utf8')), cached: true };
  const building = path.join(CACHE, `${key}.building-${process.pid}`);
  rmSync(building, { recursive: true, force: true });
  mkdirSync(building, { recursive: true });
  const meta = await build(path.join(building, 'db'), n, log);
  writeFileSync(path.join(building, 'meta.json'), JSON.stringify(meta, null, 2) + '\n');
  rmSync(dir, { recursive: true, force: true });
  renameSync(building, dir);
  return { dir: path.join(dir, 'db'), meta, cached: false };
}

async function build(location, n, log) {
  const { LevelStore } = await import(dist('daemon/store/level.js'));
  const { transition } = await import(dist('core/states.js'));
  const { LATEST_SCHEMA } = await import(dist('daemon/store/migrations.js'));
  const t0 = performance.now();
  const store = new LevelStore({ location, resultsRoot: RESULTS_ROOT, sync: false, random: () => 0 });
  await store.open();
  const finishedUpTo = Math.floor(n * FINISHED_SHARE);
  const span = 30 * 86_400_000;
  const end = Date.now() - 3_600_000;
  const start = end - Math.max(span, (n / 200) * 1000);
  const batches = Math.ceil(n / BATCH);
  // The store's own batch writer when it has one (one batch per 5000 changes); else one apply per event.
  const commit = typeof store.commit === 'function' ? (changes) => store.commit(changes, false) : undefined;
  let fastPath = commit !== undefined;
  let pid = 100_000;
  for (let b = 0; b < batches; b++) {
    const count = Math.min(BATCH, n - b * BATCH);
    const now = Math.round(start + ((end - start) * b) / batches);
    const tasks = await store.submit(Array.from({ length: count }, draft), now);
    const changes = [];
    for (const [i, task] of tasks.entries()) {
      if (b * BATCH + i >= finishedUpTo) break;
      const at = now + 1000 + i * 5;
      const events = [
        { type: 'claim', worker: 'local', at },
        { type: 'start', pid, pgid: pid, at: at + 2 },
        { type: 'exit', exitCode: 0, signal: null, cause: 'exit', at: at + 10 },
      ];
      pid = pid >= 4_000_000 ? 100_000 : pid + 1;
      if (fastPath) {
        let t = task;
        for (const e of events) {
          const r = transition(t, e, { random: 0 });
          if (!r.ok) throw new Error(`generator: ${r.error}`);
          t = r.task;
        }
        changes.push({ task: t, from: task.state });
      } else {
        for (const e of events) await store.apply(task.id, e);
      }
    }
    if (changes.length) await commit(changes);
    if (b % 20 === 19 || b === batches - 1) log(`generated ${Math.min(n, (b + 1) * BATCH)}/${n} tasks (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
  }
  const counts = store.counts();
  await store.close();
  // Compact, so a daemon opening the copy replays no log and starts from settled tables.
  const { ClassicLevel } = await import('classic-level');
  const db = new ClassicLevel(location, { valueEncoding: 'json' });
  await db.open();
  await db.compactRange('\x00', '\xff');
  await db.close();
  const ms = Math.round(performance.now() - t0);
  log(`store of ${n} tasks built in ${(ms / 1000).toFixed(1)} s`);
  return { n, counts, schema: LATEST_SCHEMA, layout: layoutHash(), builtAt: new Date().toISOString(), buildMs: ms, fastPath };
}

/**
 * Put a copy of the cached store at `target` (a home's db dir): table files are hard-linked
 * (LevelDB never changes one in place), the rest is copied.
 */
export function copyStore(from, target) {
  mkdirSync(target, { recursive: true });
  for (const f of readdirSync(from)) {
    const src = path.join(from, f);
    const dst = path.join(target, f);
    if (f === 'LOCK') continue;
    if (/\.(ldb|sst)$/.test(f)) {
      try {
        linkSync(src, dst);
        continue;
      } catch {
        // another file system: copy
      }
    }
    copyFileSync(src, dst);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({ options: { scale: { type: 'string', default: '1000000' } } });
  const n = Number(values.scale);
  if (!Number.isInteger(n) || n < 1) throw new Error('--scale N: a positive integer');
  const r = await ensureStore(n, (m) => console.error(m));
  console.log(JSON.stringify({ dir: r.dir, cached: r.cached, ...r.meta }, null, 2));
}
