// Throughput: N tasks of `true` (ad-hoc `shell` type, so `sh -c true`), output
// kept, the default worker with 2 slots; timed from the first submit to the
// last SUCCESS event. The floor, in the same rounds: a plain Node script
// spawning `sh -c true` 2 at a time with output to files per task.
// The peer, in the same rounds: task-spooler (`tsp true` ×N from a shell loop,
// 2 slots, output kept), skipped with a note when it is not installed.
// Also: the CPU the daemon and the worker spend per task (from /proc).
import path from 'node:path';
import { figure } from './lib/figure.mjs';
import { cpuMs, now, timed, waitFor } from './lib/proc.mjs';
import { ROOT } from './lib/repo.mjs';

const FLOORS = path.join(path.dirname(new URL(import.meta.url).pathname), 'floors');
const PEERS = path.join(path.dirname(new URL(import.meta.url).pathname), 'peers');
const TERMINAL = new Set(['SUCCESS', 'ERROR', 'TIMEDOUT', 'STOPPED', 'LOST', 'SKIPPED']);

/**
 * Submit n tasks over one connection (run.batch) and wait for all of them to end; resolves with timings.
 * Only these tasks count (an event may come before the reply that names its task). Fails when none
 * ends for `stallMs`, saying whether the tasks or only their events stopped.
 */
export async function runTasks(c, n, { stallMs = 60_000, home } = {}) {
  const mine = new Set();
  const endedStates = new Map();
  let ended = 0;
  const failed = [];
  let done;
  let fail;
  const all = new Promise((resolve, reject) => ((done = resolve), (fail = reject)));
  let stall;
  const arm = () => {
    clearTimeout(stall);
    stall = setTimeout(() => void stalled().then(fail, fail), stallMs);
  };
  const stalled = async () => {
    let store = '';
    if (home) {
      try {
        const c2 = await home.client();
        store = `; the store says ${JSON.stringify(Object.fromEntries(Object.entries((await c2.call('daemon.status', {})).counts).filter(([, v]) => v)))}`;
      } catch (err) {
        store = `; the daemon does not answer: ${err.message}`;
      }
    }
    return new Error(`no task event for ${stallMs / 1000} s: ${ended} of ${n} tasks seen ending${c.closed ? ' (the connection was closed)' : ''}${store}`);
  };
  const count = (id, task) => {
    if (task.state !== 'SUCCESS') failed.push(`${id} ${task.state} ${task.reason ?? ''}`);
    if (++ended === n) done(now());
  };
  c.onClose(() => fail(new Error(`the daemon closed the connection after ${ended} of ${n} tasks ended`)));
  const unsubscribe = await c.subscribe({ kinds: ['task'] }, (e) => {
    if (e.kind !== 'task' || !TERMINAL.has(e.task.state) || e.from === e.task.state) return;
    arm();
    endedStates.set(e.task.id, e.task);
    if (mine.has(e.task.id)) count(e.task.id, e.task);
  });
  const t0 = now();
  for (let i = 0; i < n; i += 10_000) {
    const tasks = Array.from({ length: Math.min(10_000, n - i) }, () => ({ type: 'shell', env: { COMMAND: 'true' } }));
    for (const id of (await c.call('run.batch', { tasks })).ids) {
      mine.add(id);
      if (endedStates.has(id)) count(id, endedStates.get(id));
    }
  }
  const submitted = now();
  arm();
  let t1;
  try {
    t1 = await all;
  } finally {
    clearTimeout(stall);
  }
  await unsubscribe();
  if (failed.length) throw new Error(`${failed.length} tasks did not succeed, e.g. ${failed[0]}`);
  return { ms: t1 - t0, submitMs: submitted - t0 };
}

/**
 * Wait (bounded) until nothing is queued or running, so the next round starts clean. A queue that
 * stopped moving is woken by submitting one more task: a submit always wakes the workers.
 */
async function drain(home) {
  const c = await home.client();
  const busy = async () => {
    const k = (await c.call('daemon.status', {})).counts;
    return k.WAITING + k.CLAIMED + k.RUNNING;
  };
  let last = -1;
  let since = Date.now();
  await waitFor(
    'the tasks of a failed round to end',
    async () => {
      const left = await busy();
      if (left === 0) return true;
      if (left !== last) [last, since] = [left, Date.now()];
      else if (Date.now() - since > 5000) {
        await c.call('run', { type: 'shell', env: { COMMAND: 'true' } });
        since = Date.now();
      }
      return false;
    },
    300_000,
  ).catch(() => {});
}

export async function throughput(ctx) {
  const { W } = ctx.homes;
  const n = ctx.reps.tasks;
  let c = await W.client();
  const worker = await W.worker(c);
  const daemonPid = W.daemonPid();
  await runTasks(c, Math.min(20, n), { home: W }); // warm up: worker code paths, result dirs
  const rates = [];
  const floorRates = [];
  const tspRates = [];
  let tspMissing;
  const cpu = { daemon: [], worker: [], floor: [] };
  const failures = [];
  for (let i = 0; i < ctx.reps.throughput; i++) {
    const dir = path.join(ctx.root, `floor-${ctx.variant}-${i}`);
    const f = JSON.parse((await timed(process.execPath, [path.join(FLOORS, 'spawn-loop.mjs'), String(n), '2', dir], { env: ctx.env, cwd: ROOT })).stdout);
    let tspRate;
    if (!tspMissing) {
      const dir = path.join(ctx.root, `tsp-${ctx.variant}-${i}`);
      const p = JSON.parse((await timed(process.execPath, [path.join(PEERS, 'task-spooler.mjs'), String(n), '2', dir], { env: ctx.env, cwd: ROOT, timeoutMs: 600_000 })).stdout);
      if (p.missing) tspMissing = p.missing;
      else tspRate = p.rate;
    }
    const d0 = cpuMs(daemonPid);
    const w0 = cpuMs(worker.pid);
    let r;
    try {
      r = await runTasks(c, n, { home: W });
    } catch (err) {
      // A stall is a finding: record it, let the tasks drain, go on with the next round.
      failures.push(`round ${i + 1}: ${err.message}`);
      ctx.problem('throughput', `round ${i + 1}: ${err.message}`);
      if (c.closed) c = await W.client();
      await drain(W);
      continue;
    }
    floorRates.push(f.rate);
    if (tspRate !== undefined) tspRates.push(tspRate);
    cpu.floor.push(f.cpuMs / n);
    cpu.daemon.push((cpuMs(daemonPid) - d0) / n);
    cpu.worker.push((cpuMs(worker.pid) - w0) / n);
    rates.push((n / r.ms) * 1000);
    ctx.log(
      `throughput: ${Math.round(rates.at(-1))} tasks/s (floor ${Math.round(f.rate)}/s${tspMissing ? '' : `, task-spooler ${Math.round(tspRates.at(-1))}/s`}; submit took ${Math.round(r.submitMs)} ms)`,
    );
  }
  if (rates.length === 0) throw new Error(`every round failed: ${failures.join('; ')}`);
  const note = failures.length ? `${failures.length} of ${ctx.reps.throughput} rounds failed and are left out: ${failures.join('; ')}` : undefined;
  const per = `per task (${n} tasks of \`true\`)`;
  const vsTsp = tspMissing
    ? []
    : [
        figure({
          id: 'throughput.tsp',
          label: `throughput against task-spooler: ${n} × \`true\`, 2 slots, output kept (the same as above)`,
          unit: 'tasks/s',
          better: 'higher',
          samples: rates,
          floor: { label: `task-spooler: \`tsp true\` ×${n} from a shell loop, \`tsp -S 2\`, first submit → last job ended`, samples: tspRates },
          paired: true,
          target: { on: 'ratio', op: '>=', value: 1.0, text: "≥ 1.0× task-spooler's rate" },
          note,
        }),
      ];
  return [
    figure({
      id: 'throughput',
      label: `throughput: ${n} tasks of \`true\`, output kept, 2 slots, first submit → last SUCCESS`,
      unit: 'tasks/s',
      better: 'higher',
      samples: rates,
      floor: { label: 'plain Node script spawning `sh -c true` ×2, output to files', samples: floorRates },
      paired: true,
      target: { on: 'ratio', op: '>=', value: 0.8, text: "≥ 0.8× the floor's rate" },
      note: [note, tspMissing && `task-spooler skipped: ${tspMissing}`].filter(Boolean).join('; ') || undefined,
    }),
    ...vsTsp,
    figure({
      id: 'throughput.cpu.daemon',
      label: `daemon CPU ${per}`,
      unit: 'ms',
      samples: cpu.daemon,
      floor: { label: "the floor script's own CPU per task", samples: cpu.floor },
    }),
    figure({
      id: 'throughput.cpu.worker',
      label: `worker CPU ${per} (its own process, not the task's)`,
      unit: 'ms',
      samples: cpu.worker,
      floor: { label: "the floor script's own CPU per task", samples: cpu.floor },
    }),
  ];
}
