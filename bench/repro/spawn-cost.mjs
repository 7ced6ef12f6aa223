// What a spawn costs the process that makes it (docs/performance.md, "Issue 14: throughput"):
// N × `sh -c true`, 2 at a time, each in its own process group with output to files, from
//   floor    a bare node process (bench/floors/spawn-loop.mjs's loop),
//   ballast  the same with MB megabytes of touched memory (fork copies the page tables of
//            what is resident, and the exec that follows tears them down),
//   runner   the worker's own TaskRun (dist/worker/runner.js: result dir, env, spawn, the checks
//            around it), without the daemon and its round trips,
//   helper   the ballast process asks a small helper child (a bare node, kept small) to spawn over
//            an IPC pipe and gets the pid and the exit back (issue 14, third round, variant b),
//   posix    the ballast process spawns with posix_spawn (glibc: clone(CLONE_VM|CLONE_VFORK), no
//            page tables copied) from a tiny N-API addon, reaping on SIGCHLD (variant c; built
//            here with `cc` from bench/repro/posix-spawn/spawn.c; skipped if that fails),
// in interleaved rounds. Prints each round and the medians, with the rate as a ratio to the floor
// and the resident / anonymous memory each loop ended with.
//   node bench/repro/spawn-cost.mjs [N=1000] [ROUNDS=3] [MB=30]     (after npm run build)
import { spawn } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { fork } from 'node:child_process';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const SELF = fileURLToPath(import.meta.url);
const R = path.resolve(path.dirname(SELF), '..', '..');
const ADDON = path.join(os.tmpdir(), `blanket-posix-spawn-${process.getuid?.() ?? 0}.node`);

function memory() {
  const s = readFileSync('/proc/self/smaps_rollup', 'utf8');
  const kb = (k) => Number(new RegExp(`${k}:\\s+(\\d+)`).exec(s)?.[1] ?? NaN);
  return { rssMb: kb('Rss') / 1024, anonMb: kb('Anonymous') / 1024 };
}

// The helper of mode `helper`: spawn what it is sent, report the pid and the exit.
function helperMain() {
  process.on('message', (m) => {
    const out = openSync(path.join(m.dir, 'stdout.log'), 'a');
    const err = openSync(path.join(m.dir, 'stderr.log'), 'a');
    const child = spawn(m.file, m.args, { cwd: m.dir, env: m.env, detached: true, stdio: ['ignore', out, err] });
    closeSync(out);
    closeSync(err);
    process.send({ id: m.id, pid: child.pid });
    child.on('exit', (code, signal) => process.send({ id: m.id, code, signal }));
  });
}

async function loop(mode, n, dir, mb) {
  const ballast = Buffer.alloc(mode === 'floor' ? 0 : mb * 1048576, 1);
  let started = 0;
  let ended = 0;
  let helper;
  const waiting = new Map();
  if (mode === 'helper') {
    helper = fork(SELF, ['--helper'], { execArgv: ['--max-semi-space-size=1'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    helper.on('message', (m) => {
      if (m.pid === undefined) waiting.get(m.id)(m);
    });
  }
  let addon;
  const running = new Map();
  if (mode === 'posix') {
    addon = createRequire(import.meta.url)(ADDON);
    // A signal listener does not keep the loop alive; this timer does (and would catch a lost signal).
    const alive = setInterval(() => process.emit('SIGCHLD'), 1000);
    process.on('SIGCHLD', () => {
      if (running.size === 0 && ended === n) clearInterval(alive);
      for (const [pid, cb] of running) {
        const r = addon.reap(pid);
        if (r) (running.delete(pid), cb(r));
      }
    });
  }
  const { TaskRun } = mode === 'runner' ? await import(`${R}/dist/worker/runner.js`) : {};
  const envp = Object.entries(process.env).map(([k, v]) => `${k}=${v}`);
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  await new Promise((resolve, reject) => {
    const done = () => (++ended === n ? resolve() : next());
    const next = () => {
      if (started >= n) return;
      const d = path.join(dir, String(started++));
      if (mode === 'runner') {
        const task = {
          id: path.basename(d),
          type: 'shell',
          executor: 'sh',
          command: 'true',
          env: {},
          files: [],
          tags: [],
          timeout: 3600,
          keepOutput: 'always',
          attempt: 1,
          attempts: [],
          state: 'CLAIMED',
          resultDir: d,
        };
        const run = new TaskRun(
          task,
          { killGraceMs: 1000, maxOutputBytes: 1e9, resultsRoot: dir, socket: path.join(dir, 'none.sock'), workerId: 'w' },
          {
            started() {},
            progress() {},
            finished: (rep) => (rep.exitCode === 0 ? done() : reject(new Error(JSON.stringify(rep)))),
          },
        );
        void run.start();
        return;
      }
      mkdirSync(d, { recursive: true });
      if (mode === 'helper') {
        const id = started;
        waiting.set(id, (m) => (waiting.delete(id), m.code === 0 ? done() : reject(new Error(JSON.stringify(m)))));
        helper.send({ id, file: 'sh', args: ['-c', 'true'], dir: d, env: process.env });
        return;
      }
      const out = openSync(path.join(d, 'stdout.log'), 'a');
      const err = openSync(path.join(d, 'stderr.log'), 'a');
      if (mode === 'posix') {
        const pid = addon.spawn('/bin/sh', ['sh', '-c', 'true'], envp, d, out, err);
        closeSync(out);
        closeSync(err);
        if (pid < 0) return reject(new Error(`posix_spawn: errno ${-pid}`));
        running.set(pid, (r) => (r[0] === 0 ? done() : reject(new Error(JSON.stringify(r)))));
        return;
      }
      const child = spawn('sh', ['-c', 'true'], { cwd: d, detached: true, stdio: ['ignore', out, err] });
      closeSync(out);
      closeSync(err);
      child.on('error', reject);
      child.on('exit', done);
    };
    next();
    next();
  });
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  helper?.disconnect();
  ballast.fill(2);
  return { rate: (n / ms) * 1000, cpuMsPerTask: (cpu.user + cpu.system) / 1000 / n, ...memory() };
}

if (process.argv[2] === '--helper') helperMain();
else if (process.argv[2] === '--child') {
  const [, , , mode, n, dir, mb] = process.argv;
  process.stdout.write(JSON.stringify(await loop(mode, Number(n), dir, Number(mb))) + '\n');
  process.exit(0);
} else await main();

async function main() {
  const [n = 1000, rounds = 3, mb = 30] = process.argv.slice(2).map(Number);
  const root = mkdtempSync(path.join(os.tmpdir(), 'bks-'));
  const env = { ...process.env };
  delete env.NODE_EXTRA_CA_CERTS;
  const modes = ['floor', 'ballast', 'runner', 'helper'];
  try {
    execFileSync('cc', [
      '-O2',
      '-shared',
      '-fPIC',
      `-I${path.join(path.dirname(path.dirname(process.execPath)), 'include', 'node')}`,
      '-o',
      ADDON,
      path.join(path.dirname(SELF), 'posix-spawn', 'spawn.c'),
    ]);
    modes.push('posix');
  } catch (err) {
    console.log(`posix mode skipped: cannot build the addon (${err.message.split('\n')[0]})`);
  }
  const got = Object.fromEntries(modes.map((m) => [m, []]));
  try {
    for (let r = 0; r < rounds; r++) {
      for (const mode of modes) {
        const dir = path.join(root, `${mode}-${r}`);
        const res = JSON.parse(execFileSync(process.execPath, ['--max-semi-space-size=2', SELF, '--child', mode, String(n), dir, String(mb)], { env, encoding: 'utf8' }));
        got[mode].push(res);
        rmSync(dir, { recursive: true, force: true });
        console.log(
          `round ${r + 1} ${mode.padEnd(7)} ${res.rate.toFixed(0).padStart(4)}/s  cpu ${res.cpuMsPerTask.toFixed(2)} ms/task  rss ${res.rssMb.toFixed(0)} MB  anon ${res.anonMb.toFixed(0)} MB`,
        );
      }
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const floor = median(got.floor.map((x) => x.rate));
  for (const mode of modes) {
    const rate = median(got[mode].map((x) => x.rate));
    console.log(
      `median ${mode.padEnd(7)} ${rate.toFixed(0)}/s = ${(rate / floor).toFixed(2)}× the floor; cpu ${median(got[mode].map((x) => x.cpuMsPerTask)).toFixed(2)} ms/task; anon ${median(got[mode].map((x) => x.anonMb)).toFixed(0)} MB`,
    );
  }
  console.log(
    `load average at the end: ${os
      .loadavg()
      .map((x) => x.toFixed(1))
      .join(' ')}`,
  );
}
