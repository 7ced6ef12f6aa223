#!/usr/bin/env node
// Where the time goes: CPU profiles of `blanket ps` start-up (node --cpu-prof)
// with CommonJS load times per package (a require hook), and of the daemon
// and the worker during a throughput run (profiled through a preload, since
// node 20 refuses --cpu-prof in NODE_OPTIONS), cut to the run's window.
// Runs without NODE_EXTRA_CA_CERTS. Writes bench/results/<date>-profile.{json,md}.
//
//   node bench/profile.mjs [--quick] [--runs N] [--tasks N] [--out DIR] [--keep]
//   node bench/profile.mjs --render results/<date>-profile.json    (re-write its .md)
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { average, load, summarize } from './lib/cpuprofile.mjs';
import { Home } from './lib/home.mjs';
import { loadAvg, machine } from './lib/machine.mjs';
import { killChildren, mainThreadCpuMs as cpuMs, now, processesWithEnv, sleep, timed, waitFor } from './lib/proc.mjs';
import { BENCH, BIN, checkBuild, ROOT } from './lib/repo.mjs';
import { median } from './lib/stats.mjs';
import { runTasks } from './throughput.mjs';

const { values: opts } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    runs: { type: 'string' },
    tasks: { type: 'string' },
    out: { type: 'string' },
    keep: { type: 'boolean', default: false },
    render: { type: 'string' },
  },
});
if (opts.render) {
  // Re-write the markdown of a recorded profile from its JSON.
  writeFileSync(opts.render.replace(/\.json$/, '.md'), markdown(JSON.parse(readFileSync(opts.render, 'utf8'))));
  process.exit(0);
}
const RUNS = Number(opts.runs ?? (opts.quick ? 2 : 10));
const TASKS = Number(opts.tasks ?? (opts.quick ? 50 : 1000));
const TOP = 25;
const IDLE_S = opts.quick ? 3 : 60;
const BULK = opts.quick ? 2000 : 20_000;
const IDLE_SETTLE_S = opts.quick ? 1 : 10;
const t0 = Date.now();
const log = (m) => process.stderr.write(`[profile ${((Date.now() - t0) / 1000).toFixed(0).padStart(4)} s] ${m}\n`);

const warning = checkBuild();
const env = { ...process.env, NO_COLOR: '1' };
for (const k of Object.keys(env)) if (k.startsWith('BLANKET_')) delete env[k];
delete env.NODE_EXTRA_CA_CERTS;
delete env.XDG_RUNTIME_DIR;
delete env.NODE_OPTIONS;

const root = mkdtempSync('/tmp/bkp-');
const homes = [];
const result = { date: new Date().toISOString(), machine: machine(), loadAvg: { start: loadAvg() }, runs: RUNS, tasks: TASKS, warning };

/** Package of a file path, for load times. */
function pkgOf(file) {
  const nm = file.lastIndexOf('/node_modules/');
  if (nm < 0) return file.startsWith(ROOT) ? `blanket ${path.relative(ROOT, file)}` : file;
  const rest = file.slice(nm + 14).split('/');
  return rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
}

async function psStartup() {
  const E = new Home(root, 'e', { slots: 0, env });
  homes.push(E);
  await E.startDaemon();
  const profDir = path.join(root, 'ps-prof');
  const wall = [];
  const node = [];
  for (let i = 0; i < RUNS; i++) {
    node.push((await timed(process.execPath, ['-e', '0'], { env, cwd: ROOT })).ms);
    wall.push((await timed(process.execPath, ['--cpu-prof', '--cpu-prof-interval', '100', '--cpu-prof-dir', profDir, BIN, 'ps'], { env: E.env, cwd: ROOT })).ms);
  }
  const summaries = readdirSync(profDir).map((f) => summarize(load(path.join(profDir, f))));
  // CommonJS load times, per package: self time summed over its files, median over runs.
  const loads = [];
  const marks = [];
  for (let i = 0; i < RUNS; i++) {
    const out = path.join(root, `require-${i}.json`);
    await timed(process.execPath, ['--require', path.join(BENCH, 'lib', 'require-timer.cjs'), BIN, 'ps'], { env: { ...E.env, BENCH_REQUIRE_OUT: out }, cwd: ROOT });
    const r = JSON.parse(readFileSync(out, 'utf8'));
    marks.push(r.marks);
    const per = new Map();
    for (const f of r.files) {
      const p = pkgOf(f.file);
      const cur = per.get(p) ?? { selfMs: 0, files: 0 };
      cur.selfMs += f.selfMs;
      cur.files++;
      per.set(p, cur);
    }
    const tops = r.files.filter((f) => f.top).map((f) => ({ module: pkgOf(f.file), file: path.relative(ROOT, f.file), startMs: f.start, ms: f.ms }));
    loads.push({ per, tops, files: r.files.length });
  }
  const pkgs = new Set(loads.flatMap((l) => [...l.per.keys()]));
  const byPkg = [...pkgs]
    .map((p) => ({ package: p, selfMs: Math.round(median(loads.map((l) => l.per.get(p)?.selfMs ?? 0)) * 10) / 10, files: loads[0].per.get(p)?.files ?? 0 }))
    .sort((a, b) => b.selfMs - a.selfMs);
  const topLevel = loads[0].tops.map((t) => ({
    ...t,
    ms: Math.round(median(loads.map((l) => l.tops.find((x) => x.file === t.file)?.ms ?? 0)) * 10) / 10,
    startMs: Math.round(median(loads.map((l) => l.tops.find((x) => x.file === t.file)?.startMs ?? 0))),
  }));
  const mark = (k) => Math.round(median(marks.map((m) => m[k])) * 10) / 10;
  await E.stopDaemon();
  log(`ps: ${Math.round(median(wall))} ms under --cpu-prof; node -e 0 ${Math.round(median(node))} ms`);
  return {
    wallMs: Math.round(median(wall)),
    nodeMs: Math.round(median(node)),
    marks: { bootstrapComplete: mark('bootstrapComplete'), loopStart: mark('loopStart'), exit: mark('exit') },
    cjsFiles: loads[0].files,
    cjsTopLevel: topLevel,
    cjsByPackage: byPkg.slice(0, TOP),
    cjsTotalMs: Math.round(byPkg.reduce((s, p) => s + p.selfMs, 0)),
    profile: trim(average(summaries)),
  };
}

function trim(s) {
  return { ...s, functions: s.functions.slice(0, TOP), groups: s.groups.slice(0, TOP) };
}

async function throughputProfile() {
  const profDir = path.join(root, 'tp-prof');
  const penv = { ...env, NODE_OPTIONS: `--require ${path.join(BENCH, 'lib', 'cpu-prof-preload.cjs')}`, BENCH_CPU_PROF_DIR: profDir, BENCH_CPU_PROF_INTERVAL: '250' };
  const W = new Home(root, 'w', { slots: 2, env: penv });
  homes.push(W);
  await W.startDaemon();
  const c = await W.client();
  const worker = await W.worker(c);
  const daemonPid = W.daemonPid();
  await runTasks(c, 20, { home: W });
  const cpu0 = { daemon: cpuMs(daemonPid), worker: cpuMs(worker.pid) };
  const from = Number(process.hrtime.bigint() / 1000n);
  const t = now();
  const r = await runTasks(c, TASKS, { home: W });
  const ms = now() - t;
  const to = Number(process.hrtime.bigint() / 1000n);
  const cpu = { daemon: cpuMs(daemonPid) - cpu0.daemon, worker: cpuMs(worker.pid) - cpu0.worker };
  // Then idle: what do they do when nothing happens?
  await sleep(IDLE_SETTLE_S * 1000);
  const idleCpu0 = { daemon: cpuMs(daemonPid), worker: cpuMs(worker.pid) };
  const idleFrom = Number(process.hrtime.bigint() / 1000n);
  await sleep(IDLE_S * 1000);
  const idleTo = Number(process.hrtime.bigint() / 1000n);
  const idleCpu = { daemon: cpuMs(daemonPid) - idleCpu0.daemon, worker: cpuMs(worker.pid) - idleCpu0.worker };
  await W.stopDaemon();
  const file = (role, pid) => path.join(profDir, `${role}-${pid}.cpuprofile`);
  await waitFor('the profiles to be written', () => readdirSync(profDir).length >= 2, 10_000);
  const daemon = summarize(load(file('daemon', daemonPid)), { from, to });
  const wk = summarize(load(file('worker', worker.pid)), { from, to });
  const idle = {
    seconds: IDLE_S,
    settleSeconds: IDLE_SETTLE_S,
    cpuMs: { daemon: Math.round(idleCpu.daemon * 10) / 10, worker: Math.round(idleCpu.worker * 10) / 10 },
    daemon: trim(summarize(load(file('daemon', daemonPid)), { from: idleFrom, to: idleTo })),
    worker: trim(summarize(load(file('worker', worker.pid)), { from: idleFrom, to: idleTo })),
  };
  log(
    `throughput under the profiler: ${Math.round((TASKS / ms) * 1000)} tasks/s; CPU per task: daemon ${(cpu.daemon / TASKS).toFixed(2)} ms, worker ${(cpu.worker / TASKS).toFixed(2)} ms`,
  );
  return {
    tasks: TASKS,
    ms: Math.round(ms),
    rate: Math.round((TASKS / ms) * 1000),
    submitMs: Math.round(r.submitMs),
    cpuPerTaskMs: { daemon: Math.round((cpu.daemon / TASKS) * 100) / 100, worker: Math.round((cpu.worker / TASKS) * 100) / 100 },
    daemon: trim(daemon),
    worker: trim(wk),
    idle,
  };
}

/** `blanket run --batch` of BULK tasks into a daemon with no worker: the daemon (cut to the run) and the CLI. */
async function bulkProfile() {
  const profDir = path.join(root, 'bulk-prof');
  const cliDir = path.join(root, 'bulk-cli-prof');
  const preload = `--require ${path.join(BENCH, 'lib', 'cpu-prof-preload.cjs')}`;
  const B = new Home(root, 'b', { slots: 0, env: { ...env, NODE_OPTIONS: preload, BENCH_CPU_PROF_DIR: profDir, BENCH_CPU_PROF_INTERVAL: '250' } });
  homes.push(B);
  await B.startDaemon();
  const daemonPid = B.daemonPid();
  const file = path.join(root, 'bulk.jsonl');
  writeFileSync(file, `${JSON.stringify({ type: 'shell', env: { COMMAND: 'true' } })}\n`.repeat(BULK));
  const from = Number(process.hrtime.bigint() / 1000n);
  const r = await B.cli(['run', '--batch', file, '-q'], { env: { ...B.env, BENCH_CPU_PROF_DIR: cliDir }, timeoutMs: 600_000 });
  const to = Number(process.hrtime.bigint() / 1000n);
  await B.stopDaemon();
  await waitFor('the daemon profile', () => readdirSync(profDir).some((f) => f === `daemon-${daemonPid}.cpuprofile`), 10_000);
  const cliFile = readdirSync(cliDir).find((f) => f.startsWith('cli-'));
  log(`bulk under the profiler: ${Math.round((BULK / r.ms) * 1000)} tasks/s`);
  return {
    tasks: BULK,
    ms: Math.round(r.ms),
    rate: Math.round((BULK / r.ms) * 1000),
    daemon: trim(summarize(load(path.join(profDir, `daemon-${daemonPid}.cpuprofile`)), { from, to })),
    cli: trim(summarize(load(path.join(cliDir, cliFile)))),
  };
}

function table(rows, cols) {
  return [
    `| ${cols.map((c) => c[0]).join(' | ')} |`,
    `|${cols.map(() => '---').join('|')}|`,
    ...rows.map((r) => `| ${cols.map((c) => String(c[1](r)).replace(/\|/g, '\\|')).join(' | ')} |`),
  ].join('\n');
}

function markdown(r) {
  const p = r.ps;
  const fnCols = [
    ['self ms', (x) => x.ms],
    ['%', (x) => x.pct],
    ['function', (x) => `\`${x.function}\``],
    ['where', (x) => x.where || '(native)'],
  ];
  const grCols = [
    ['self ms', (x) => x.ms],
    ['%', (x) => x.pct],
    ['code', (x) => x.group],
  ];
  const out = [
    `# Profiles: ${r.date}`,
    '',
    `${r.machine.cpu}, ${r.machine.cores} cores, Node ${r.machine.node}, blanket at ${r.machine.commit}; load average ${r.loadAvg.start.join(' ')} at start, ${r.loadAvg.end.join(' ')} at end. Without NODE_EXTRA_CA_CERTS.`,
    '',
    `## \`blanket ps\` start-up (daemon running, empty store; ${r.runs} runs)`,
    '',
    `Wall time under --cpu-prof ${p.wallMs} ms (\`node -e 0\`: ${p.nodeMs} ms). Node marks (ms since the process began, medians): bootstrap complete ${p.marks.bootstrapComplete}, event loop start ${p.marks.loopStart}, exit ${p.marks.exit}. CPU busy in the profile ${p.profile.busyMs} ms, idle ${p.profile.idleMs} ms (mean of the runs).`,
    '',
    '### Self time by code',
    '',
    table(p.profile.groups, grCols),
    '',
    '### Top functions by self time',
    '',
    table(p.profile.functions, fnCols),
    '',
    `### CommonJS loading (${p.cjsFiles} files, ${p.cjsTotalMs} ms of self time in all)`,
    '',
    'Top-level loads (each includes what it loads):',
    '',
    table(p.cjsTopLevel, [
      ['starts at ms', (x) => x.startMs],
      ['takes ms', (x) => x.ms],
      ['module', (x) => x.module],
      ['file', (x) => x.file],
    ]),
    '',
    'Self time per package (its files, not what they load from other packages):',
    '',
    table(p.cjsByPackage, [
      ['self ms', (x) => x.selfMs],
      ['files', (x) => x.files],
      ['package', (x) => x.package],
    ]),
    '',
  ];
  const t = r.throughput;
  if (t) {
    out.push(
      `## Throughput run: ${t.tasks} tasks of \`true\`, 2 slots`,
      '',
      `${t.rate} tasks/s under the profiler (${t.ms} ms; the submit took ${t.submitMs} ms). Main-thread CPU per task (from /proc, profiling overhead included): daemon ${t.cpuPerTaskMs.daemon} ms, worker ${t.cpuPerTaskMs.worker} ms; the benchmark's figures (no profiler, every thread) are the ones to quote. Profiles cut to the run's window. The profiler samples wall time: on a loaded machine a thread waiting for a CPU is charged to what it was running, so read the shares (%), not the milliseconds.`,
      '',
    );
    for (const [name, s] of [
      ['daemon', t.daemon],
      ['worker', t.worker],
    ]) {
      out.push(`### ${name}: busy ${s.busyMs} ms, idle ${s.idleMs} ms in the window`, '', table(s.groups.slice(0, 15), grCols), '', table(s.functions, fnCols), '');
    }
    const i = t.idle;
    out.push(
      `## Idle: ${i.seconds} s, starting ${i.settleSeconds} s after that run`,
      '',
      `Busy time below is from the profiles. (CPU from /proc is not shown: under the profiler it is mostly the sampler's own, a signal every 250 µs; the benchmark's idle figures are the ones to quote.)`,
      '',
    );
    for (const [name, s] of [
      ['daemon', i.daemon],
      ['worker', i.worker],
    ]) {
      out.push(`### ${name} idle: busy ${s.busyMs} ms`, '', table(s.groups.slice(0, 10), grCols), '', table(s.functions.slice(0, 15), fnCols), '');
    }
  }
  const b = r.bulk;
  if (b) {
    out.push(`## Bulk: \`blanket run --batch FILE -q\` with ${b.tasks} tasks, no worker`, '', `${b.rate} tasks/s under the profiler (${b.ms} ms).`, '');
    for (const [name, s] of [
      ["daemon (the run's window)", b.daemon],
      ['the CLI (whole process)', b.cli],
    ]) {
      out.push(`### ${name}: busy ${s.busyMs} ms`, '', table(s.groups.slice(0, 12), grCols), '', table(s.functions.slice(0, 20), fnCols), '');
    }
  }
  return out.join('\n');
}

async function cleanup() {
  for (const h of homes) await h.stopDaemon().catch(() => {});
  killChildren();
  for (const pid of processesWithEnv('BLANKET_HOME', `${root}/`)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
  if (!opts.keep) rmSync(root, { recursive: true, force: true });
}
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => void cleanup().then(() => process.exit(130)));

let failed = false;
try {
  log(`profiling; load average ${result.loadAvg.start.join(' ')}`);
  result.ps = await psStartup();
  result.throughput = await throughputProfile();
  result.bulk = await bulkProfile();
} catch (err) {
  failed = true;
  log(err.stack ?? String(err));
} finally {
  await cleanup();
}
result.loadAvg.end = loadAvg();
if (result.ps) {
  const dir = path.resolve(opts.out ?? path.join(BENCH, 'results', opts.quick ? 'tmp' : ''));
  mkdirSync(dir, { recursive: true });
  const stamp = result.date.slice(0, 16).replace('T', '_').replace(':', '');
  writeFileSync(path.join(dir, `${stamp}-profile.json`), JSON.stringify(result, null, 2) + '\n');
  writeFileSync(path.join(dir, `${stamp}-profile.md`), markdown(result));
  log(`wrote ${path.relative(process.cwd(), path.join(dir, `${stamp}-profile.md`))}`);
}
process.exit(failed ? 1 : 0);
