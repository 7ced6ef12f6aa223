// The cost of a [retention] pass over a big store: time and memory of archiving K finished tasks
// out of N stored, for several N. The promise (docs/configuration.md, retention.finished): a pass
// reads only the store's finished index (f! keys, oldest end first) and archives in batches of
// 500, so its cost follows K, not N. Runs on a copy of the cached store from gen-store.mjs, with
// the daemon's own Archive and ArchiveTimers (no daemon, no worker), fsync as the daemon does.
//
//   node bench/retention.mjs                          N = 10^4 and 10^5, K = 1000
//   node bench/retention.mjs --scale 1000000 --k 2000
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { copyStore, ensureStore, FINISHED_SHARE } from './gen-store.mjs';
import { dist } from './lib/repo.mjs';

const { values } = parseArgs({ options: { scale: { type: 'string', multiple: true }, k: { type: 'string', default: '1000' } } });
const scales = (values.scale ?? ['10000', '100000']).map(Number);
const K = Number(values.k);
const { LevelStore } = await import(dist('daemon/store/level.js'));
const { Archive } = await import(dist('daemon/archive/archive.js'));
const { ArchiveTimers } = await import(dist('daemon/archive/timers.js'));
const { EventBus } = await import(dist('daemon/events.js'));
const log = { info() {}, warn: (...a) => console.error(...a), error: (...a) => console.error(...a), log() {} };

const rows = [];
for (const n of scales) {
  const { dir } = await ensureStore(n, (m) => console.error(m));
  const home = mkdtempSync(path.join(os.tmpdir(), 'bkb-ret-'));
  try {
    copyStore(dir, path.join(home, 'db'));
    const store = new LevelStore({ location: path.join(home, 'db'), resultsRoot: path.join(home, 'results'), sync: true, verify: false });
    await store.open();
    const archive = new Archive({ root: path.join(home, 'archive'), store, log, now: Date.now, keepMs: 0 });
    const finished = Math.floor(n * FINISHED_SHARE);
    const run = async (retention) => {
      const timers = new ArchiveTimers({ archive, store, events: new EventBus(), log, now: Date.now, retention, keep: { keepMs: 0 }, removed() {} });
      global.gc?.();
      const rss0 = process.memoryUsage().rss;
      const t0 = performance.now();
      const archived = await timers.pass();
      const ms = performance.now() - t0;
      await timers.close();
      return { archived, ms: Math.round(ms), rssMiB: Math.round((process.memoryUsage().rss - rss0) / 2 ** 20) };
    };
    const byCount = await run({ finishedCount: finished - K });
    // By age, nothing due: the pass reads one key of the index and stops.
    const idle = await run({ finishedMs: 365 * 86_400_000 });
    await store.close();
    rows.push({ n, k: K, byCount, idle });
    console.error(
      `N=${n}: archived ${byCount.archived} in ${byCount.ms} ms (${(byCount.ms / Math.max(1, byCount.archived)).toFixed(2)} ms/task, RSS +${byCount.rssMiB} MiB); a pass with nothing due: ${idle.ms} ms`,
    );
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}
console.log(JSON.stringify({ at: new Date().toISOString(), cores: os.cpus().length, load: os.loadavg(), rows }, null, 2));
