// End to end across hosts, on one machine: (a) one daemon on LevelDB, (b) two daemons (separate
// homes) on one throw-away PostgreSQL, the same total slots; N tasks of `true` submitted on the
// first daemon over one connection (run.batch), first submit → last end seen by that connection:
// tasks/s, and (b)/(a). Then (c) submit → start latency across hosts: a `bench_stamp` task
// submitted on A (no worker) and started by B's worker (the only one), from the time stamp the
// process prints, p50/p99, against the same on one LevelDB host (submitted where it runs). For (a)
// and (b), CPU per task of the daemons and workers, of the PostgreSQL server and of the machine.
// Not part of npm test or `npm run bench`. `node bench/peers-e2e.mjs [--tasks N] [--slots S]
// [--samples K]` (build first; defaults 1000 tasks, 4 slots in all, 50 samples). Writes
// bench/results/<stamp>-peers-e2e.{json,md}. NODE_EXTRA_CA_CERTS is taken from the caller's
// environment: run it with and without.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Home, parseStamp } from './lib/home.mjs';
import { loadAvg } from './lib/machine.mjs';
import { cpuMs, epochMs, machineBusyMs, processesWithEnv } from './lib/proc.mjs';
import { ROOT } from './lib/repo.mjs';
import { median, percentile } from './lib/stats.mjs';
import { startPg } from './lib/pg-server.mjs';
import { runTasks } from './throughput.mjs';

const args = process.argv.slice(2);
const opt = (name, dflt) => (args.includes(name) ? Number(args[args.indexOf(name) + 1]) : dflt);
const N = opt('--tasks', 1000);
const SLOTS = opt('--slots', 4);
const SAMPLES = opt('--samples', 50);
const TERMINAL = new Set(['SUCCESS', 'ERROR', 'TIMEDOUT', 'STOPPED', 'LOST', 'SKIPPED']);

const env = { ...process.env };
delete env.BLANKET_HOME;
delete env.BLANKET_SOCKET;
delete env.XDG_RUNTIME_DIR;
const root = mkdtempSync(path.join(os.tmpdir(), 'bkb-e2e-'));
const load0 = loadAvg();
const log = (s) => process.stderr.write(`${s}\n`);

/** A home; with `url`, on that PostgreSQL store as host `name`. */
function home(name, slots, url) {
  const h = new Home(root, name, { slots, env });
  if (url) writeFileSync(h.paths.config, `sync_writes = false\n\n[store]\nurl = "${url}"\nhost = "${name}"\n\n[worker]\nslots = ${slots}\n`);
  return h;
}

/**
 * `run()`'s CPU per task, ms: of the homes' daemons and workers, of the PostgreSQL server (when
 * `pgPids`; its processes that end during the run are not counted), and of the whole machine
 * (every process: the tasks, and anything else running on it).
 */
async function perTask(homes, pgPids, run) {
  const cpuBy = (pids) => new Map(pids.map((p) => [p, cpuMs(p)]).filter(([, ms]) => Number.isFinite(ms)));
  const spent = (before, after) => [...after].reduce((a, [p, ms]) => a + ms - (before.get(p) ?? 0), 0) / N;
  const blanket = homes.flatMap((h) => processesWithEnv('BLANKET_HOME', `${h.dir}\0`));
  const [b0, p0, m0] = [cpuBy(blanket), cpuBy(pgPids?.() ?? []), machineBusyMs()];
  const r = await run();
  const m1 = machineBusyMs();
  return { ...r, cpu: { blanket: spent(b0, cpuBy(blanket)), pg: spent(p0, cpuBy(pgPids?.() ?? [])), machine: (m1 - m0) / N } };
}

/** Submit → the process's first stamp, one task at a time: submitted on `from`, run by `on`'s worker. */
async function latency(from) {
  const c = await from.client();
  const ended = new Map();
  const waiters = new Map();
  await c.subscribe({ kinds: ['task'] }, (e) => {
    if (e.kind !== 'task' || !TERMINAL.has(e.task.state)) return;
    const w = waiters.get(e.task.id);
    if (w) w(e.task);
    else ended.set(e.task.id, e.task);
  });
  const lat = [];
  for (let i = 0; i <= SAMPLES; i++) {
    const t0 = epochMs();
    const { task } = await c.call('run', { type: 'bench_stamp' });
    const done = ended.get(task.id) ?? (await new Promise((r) => waiters.set(task.id, r)));
    if (done.state !== 'SUCCESS') throw new Error(`task ${task.id} ended ${done.state}`);
    // The output is on the host that ran it (its results dir, on this same machine).
    const at = parseStamp(readFileSync(path.join(done.resultDir, 'stdout.log'), 'utf8').split('\n')[0] ?? '');
    if (i > 0) lat.push(at - t0); // the first warms up
  }
  return lat;
}

const out = { at: new Date().toISOString(), N, slots: SLOTS, samples: SAMPLES, nodeExtraCaCerts: env.NODE_EXTRA_CA_CERTS ?? null };
const pg = await startPg();
try {
  // (a) one LevelDB daemon, SLOTS slots.
  const L = home('lvl', SLOTS);
  await L.startDaemon();
  const cl = await L.client();
  await L.worker(cl);
  const a = await perTask([L], undefined, () => runTasks(cl, N, { home: L }));
  log(`(a) LevelDB, 1 daemon, ${SLOTS} slots: ${N} tasks in ${a.ms.toFixed(0)} ms`);
  const lvlLat = await latency(L);
  await L.stopDaemon();

  // (b) two daemons on one PostgreSQL, SLOTS/2 slots each.
  const { default: pgc } = await import('pg');
  const admin = new pgc.Client({ connectionString: pg.url('postgres') });
  await admin.connect();
  await admin.query('CREATE DATABASE e2e');
  await admin.query('CREATE DATABASE lat');
  await admin.end();
  const A = home('pa', SLOTS / 2, pg.url('e2e'));
  const B = home('pb', SLOTS / 2, pg.url('e2e'));
  await A.startDaemon();
  await B.startDaemon();
  const ca = await A.client();
  await A.worker(ca);
  await B.worker(await B.client());
  const b = await perTask(
    [A, B],
    () => pg.pids(),
    () => runTasks(ca, N, { home: A }),
  );
  log(`(b) PostgreSQL, 2 daemons, ${SLOTS / 2} slots each: ${N} tasks in ${b.ms.toFixed(0)} ms`);
  await A.stopDaemon();
  await B.stopDaemon();

  // (c) across hosts: submitted on X (no worker), run by Y's worker.
  const X = home('px', 0, pg.url('lat'));
  const Y = home('py', 1, pg.url('lat'));
  await X.startDaemon();
  await Y.startDaemon();
  await Y.worker(await Y.client());
  const pgLat = await latency(X);
  await X.stopDaemon();
  await Y.stopDaemon();

  const rate = (r) => N / (r.ms / 1000);
  Object.assign(out, {
    leveldb: { ms: a.ms, tasksPerS: rate(a) },
    postgres2: { ms: b.ms, tasksPerS: rate(b) },
    ratio: rate(b) / rate(a),
    cpuPerTask: { leveldb: a.cpu, postgres2: b.cpu },
    latency: {
      leveldb: { p50: median(lvlLat), p99: percentile(lvlLat, 99) },
      acrossHosts: { p50: median(pgLat), p99: percentile(pgLat, 99) },
    },
    load: { start: load0, end: loadAvg() },
  });
} finally {
  pg.stop();
  rmSync(root, { recursive: true, force: true });
}

const f = (x) => x.toFixed(1);
const md = `# peers end to end: ${out.at}

${N} tasks of \`true\`, ${SLOTS} slots in all; NODE_EXTRA_CA_CERTS ${out.nodeExtraCaCerts ? `= ${out.nodeExtraCaCerts}` : 'unset'}; load average ${out.load.start.join(' ')} at start, ${out.load.end.join(' ')} at end.

| Figure | Value |
|---|---|
| (a) 1 daemon, LevelDB, ${SLOTS} slots: tasks/s | ${f(out.leveldb.tasksPerS)} |
| (b) 2 daemons, one PostgreSQL, ${SLOTS / 2} slots each: tasks/s | ${f(out.postgres2.tasksPerS)} |
| (b)/(a) (target ≥ 0.9) | ${out.ratio.toFixed(2)} |
| CPU per task, (a): daemon and worker / the whole machine | ${f(out.cpuPerTask.leveldb.blanket)} / ${f(out.cpuPerTask.leveldb.machine)} ms |
| CPU per task, (b): daemons and workers / PostgreSQL server / the whole machine | ${f(out.cpuPerTask.postgres2.blanket)} / ${f(out.cpuPerTask.postgres2.pg)} / ${f(out.cpuPerTask.postgres2.machine)} ms |
| submit → start p50 / p99, one LevelDB host | ${f(out.latency.leveldb.p50)} / ${f(out.latency.leveldb.p99)} ms |
| submit → start p50 / p99, submitted on A, run by B (PostgreSQL) | ${f(out.latency.acrossHosts.p50)} / ${f(out.latency.acrossHosts.p99)} ms |
`;
const stamp = out.at.slice(0, 16).replace('T', '_').replace(':', '');
const base = path.join(ROOT, 'bench', 'results', `${stamp}-peers-e2e${out.nodeExtraCaCerts ? '-ca' : ''}`);
writeFileSync(`${base}.json`, JSON.stringify(out, null, 2) + '\n');
writeFileSync(`${base}.md`, md);
process.stdout.write(md);
process.exit(0);
