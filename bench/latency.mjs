// Dispatch latency: submit → the task's process running, read from its first
// output line (a time stamp the process prints), one task at a time on an idle
// daemon. Floor, alternating with it: the same command spawned by this plain
// Node process, stamp − spawn call.
// Log follow: a line a task writes → printed by `blanket logs -f`, next to a
// plain Node follower (fs.watch + read) of the same file, at the same time.
import { execFileSync, spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import path from 'node:path';
import { figure } from './lib/figure.mjs';
import { parseStamp, STAMP } from './lib/home.mjs';
import { epochMs, sleep, start, waitFor } from './lib/proc.mjs';
import { BIN, ROOT } from './lib/repo.mjs';
import { median, percentile } from './lib/stats.mjs';

const FLOORS = path.join(path.dirname(new URL(import.meta.url).pathname), 'floors');
const TERMINAL = new Set(['SUCCESS', 'ERROR', 'TIMEDOUT', 'STOPPED', 'LOST', 'SKIPPED']);

/** Terminal task events of one connection, awaitable by id (an event may come before the submit's reply). */
async function endings(c) {
  const ended = new Map();
  const waiters = new Map();
  await c.subscribe({ kinds: ['task'] }, (e) => {
    if (e.kind !== 'task' || !TERMINAL.has(e.task.state)) return;
    const w = waiters.get(e.task.id);
    if (w) {
      waiters.delete(e.task.id);
      w(e.task);
    } else ended.set(e.task.id, e.task);
  });
  return (id) => {
    const t = ended.get(id);
    if (t) {
      ended.delete(id);
      return Promise.resolve(t);
    }
    return new Promise((r) => waiters.set(id, r));
  };
}

function firstStamp(file) {
  return parseStamp(readFileSync(file, 'utf8').split('\n')[0] ?? '');
}

/** The floor: spawn the stamp command as a worker would (own group, output to a file); stamp − spawn call. */
function floorOnce(ctx, dir) {
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'stdout.log');
  const out = openSync(file, 'w');
  return new Promise((resolve, reject) => {
    const t0 = epochMs();
    const child = spawn(STAMP.executor, [...STAMP.args, STAMP.print], { cwd: dir, env: ctx.env, detached: true, stdio: ['ignore', out, 'ignore'] });
    closeSync(out);
    child.on('error', reject);
    child.on('exit', () => resolve(firstStamp(file) - t0));
  });
}

export async function dispatch(ctx) {
  const { W } = ctx.homes;
  const c = await W.client();
  await W.worker(c);
  const ended = await endings(c);
  const lat = [];
  const startedLat = [];
  const floor = [];
  const once = async () => {
    const t0 = epochMs();
    const { task } = await c.call('run', { type: 'bench_stamp' });
    const done = await ended(task.id);
    if (done.state !== 'SUCCESS') throw new Error(`bench_stamp task ${task.id} ended ${done.state}: ${done.reason ?? ''}`);
    lat.push(firstStamp(path.join(done.resultDir, 'stdout.log')) - t0);
    startedLat.push(done.startedAt - t0);
  };
  await once(); // warm up
  await floorOnce(ctx, path.join(ctx.root, `stamp-${ctx.variant}`, 'w'));
  lat.length = 0;
  startedLat.length = 0;
  for (let i = 0; i < ctx.reps.dispatch; i++) {
    floor.push(await floorOnce(ctx, path.join(ctx.root, `stamp-${ctx.variant}`, String(i))));
    await sleep(20);
    await once();
    await sleep(20);
  }
  if (lat.some((x) => !Number.isFinite(x))) throw new Error('a bench_stamp task printed no time stamp');
  ctx.log(`dispatch: p50 ${median(lat).toFixed(1)} ms, p99 ${percentile(lat, 99).toFixed(1)} ms (floor p50 ${median(floor).toFixed(1)} ms)`);
  const fl = { label: `the same command spawned by a plain Node process (${STAMP.what})`, samples: floor };
  return [
    figure({
      id: 'dispatch.p50',
      label: 'dispatch latency p50: submit → the process started (its first output line), idle daemon',
      unit: 'ms',
      samples: lat,
      floor: fl,
      target: { on: 'value', op: '<=', value: 10, text: '≤ 10 ms' },
    }),
    figure({ id: 'dispatch.p99', stat: 'p99', label: 'dispatch latency p99', unit: 'ms', samples: lat, floor: fl, target: { on: 'value', op: '<=', value: 50, text: '≤ 50 ms' } }),
    figure({ id: 'dispatch.startedAt', label: "submit → the worker's startedAt (ms clock; diagnostic)", unit: 'ms', samples: startedLat }),
  ];
}

/** Every line a child prints, with the time it arrived. */
function lines(child) {
  const got = [];
  let buf = '';
  child.stdout.on('data', (d) => {
    const at = epochMs();
    buf += d;
    let nl;
    while ((nl = buf.indexOf('\n')) >= 0) {
      got.push({ text: buf.slice(0, nl), at });
      buf = buf.slice(nl + 1);
    }
  });
  return got;
}

export async function follow(ctx) {
  const { W } = ctx.homes;
  const c = await W.client();
  await W.worker(c);
  const ended = await endings(c);
  const n = ctx.reps.followLines;
  const lat = [];
  const floor = [];
  for (let i = 0; i < ctx.reps.follow; i++) {
    const fifo = path.join(W.dir, `go-${i}`);
    execFileSync('mkfifo', [fifo]);
    const { task } = await c.call('run', { type: 'bench_follow', env: { GO: fifo, N: String(n) } });
    const follower = start(process.execPath, [BIN, 'logs', '-f', task.id], { env: W.env, cwd: ROOT });
    const got = lines(follower);
    await waitFor('`blanket logs -f` to print "ready"', () => got.some((l) => l.text === 'ready'), 60_000);
    const plain = start(process.execPath, [path.join(FLOORS, 'follow.mjs'), path.join(task.resultDir, 'stdout.log')], { env: ctx.env });
    const gotPlain = lines(plain);
    await waitFor('the plain follower to print "ready"', () => gotPlain.some((l) => l.text === 'ready'), 60_000);
    const go = await open(fifo, 'w');
    await go.write('go\n');
    await go.close();
    const done = await ended(task.id);
    if (done.state !== 'SUCCESS') throw new Error(`bench_follow task ${task.id} ended ${done.state}: ${done.reason ?? ''}`);
    await new Promise((r) => (follower.exitCode !== null ? r() : follower.on('exit', r)));
    await waitFor('the plain follower to print every line', () => gotPlain.length >= n + 1, 10_000);
    plain.kill('SIGTERM');
    const stamps = (g) => g.map((l) => l.at - parseStamp(l.text)).filter(Number.isFinite);
    const a = stamps(got);
    const b = stamps(gotPlain);
    if (a.length !== n) throw new Error(`logs -f printed ${a.length} of ${n} lines`);
    lat.push(...a);
    floor.push(...b);
  }
  ctx.log(`log follow: p50 ${median(lat).toFixed(1)} ms (plain follower ${median(floor).toFixed(1)} ms)`);
  return [
    figure({
      id: 'follow.p50',
      label: `log follow p50: a line written by a task → printed by \`blanket logs -f\` (${ctx.reps.follow}×${n} lines)`,
      unit: 'ms',
      samples: lat,
      floor: { label: 'a plain Node follower (fs.watch + read) of the same file, at the same time', samples: floor },
      target: { on: 'value', op: '<=', value: 20, text: '≤ 20 ms' },
    }),
  ];
}
