// MALLOC_ARENA_MAX A/B (issue 14, fifth round): every variant's homes started at once, so the
// machine's load hits them alike; rounds repeat that. Per variant: an idle daemon (no worker, no
// task) 35 s after start, and a daemon with its 2-slot worker after 3000 tasks of `true` (one
// run.batch): RSS right after the last one ended and 60 s later. MALLOC_ARENA_MAX=16 stands for
// "unset" (glibc's own cap on 2 cores is 8 × cores = 16 arenas).
// node bench/repro/arena.mjs [--rounds N] [--tasks N] [--variants 16,2,1] [--env both|noca|ca]
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Home } from '../lib/home.mjs';
import { rss, sleep, waitFor } from '../lib/proc.mjs';

const arg = (n, d) => (process.argv.includes(n) ? process.argv[process.argv.indexOf(n) + 1] : d);
const rounds = Number(arg('--rounds', 2));
const tasks = Number(arg('--tasks', 3000));
const variants = arg('--variants', '16,2,1').split(',');
const envs = arg('--env', 'both') === 'both' ? ['ca', 'noca'] : [arg('--env')];
const MB = 1024 * 1024;
const anon = (pid) => Number(/RssAnon:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) / 1024;
const load = () =>
  os
    .loadavg()
    .map((x) => x.toFixed(1))
    .join(' ');
const envOf = (ca, v) => {
  const e = { ...process.env, MALLOC_ARENA_MAX: v };
  if (ca === 'noca') delete e.NODE_EXTRA_CA_CERTS;
  return e;
};
const out = [];
for (let r = 1; r <= rounds; r++) {
  const root = mkdtempSync('/tmp/bka-');
  const combos = envs.flatMap((ca) => variants.map((v) => ({ ca, v, key: `${ca}/arena=${v}` })));
  if (r % 2 === 0) combos.reverse(); // interleave the start order
  console.error(`round ${r}: load ${load()}`);
  const idle = combos.map((c, i) => ({ ...c, h: new Home(root, `i${i}`, { slots: 0, env: envOf(c.ca, c.v) }) }));
  const busy = combos.map((c, i) => ({ ...c, h: new Home(root, `b${i}`, { slots: 2, env: envOf(c.ca, c.v) }) }));
  try {
    await Promise.all([...idle, ...busy].map((x) => x.h.startDaemon()));
    await sleep(35_000);
    for (const x of idle) out.push({ round: r, ...pick(x), what: 'daemon idle', rss: rss(x.h.daemonPid()) / MB, anon: anon(x.h.daemonPid()) });
    console.error(`  idle measured, load ${load()}`);
    await Promise.all(idle.map((x) => x.h.stopDaemon()));
    await Promise.all(
      busy.map(async (x) => {
        const c = await x.h.client();
        x.worker = await x.h.worker(c);
        const { ids } = await c.call('run.batch', { tasks: Array.from({ length: tasks }, () => ({ type: 'shell', env: { COMMAND: 'true' } })) });
        const last = ids.at(-1);
        await waitFor(`${x.key} done`, async () => (await c.call('show', { id: last })).task.state === 'SUCCESS' || undefined, 900_000);
        const d = x.h.daemonPid();
        x.after = { daemon: rss(d) / MB, worker: rss(x.worker.pid) / MB };
        await sleep(60_000);
        out.push({
          round: r,
          ...pick(x),
          what: 'after load',
          daemon0: x.after.daemon,
          worker0: x.after.worker,
          daemon60: rss(d) / MB,
          worker60: rss(x.worker.pid) / MB,
          dAnon60: anon(d),
          wAnon60: anon(x.worker.pid),
        });
        console.error(`  ${x.key} done, load ${load()}`);
      }),
    );
  } finally {
    await Promise.all([...idle, ...busy].map((x) => x.h.stopDaemon().catch(() => {})));
    rmSync(root, { recursive: true, force: true });
  }
  console.error(`round ${r} end: load ${load()}`);
}
function pick(x) {
  return { env: x.ca, arena: x.v };
}
const f = (n) => (n === undefined ? '' : n.toFixed(1));
for (const o of out) console.log(JSON.stringify(Object.fromEntries(Object.entries(o).map(([k, v]) => [k, typeof v === 'number' && k !== 'round' ? Number(f(v)) : v]))));
