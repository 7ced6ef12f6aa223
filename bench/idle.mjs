// Daemon idle: resident memory of the daemon (empty store; N tasks stored) and
// of one idle worker, and the CPU they use while nothing happens. Read from
// /proc, so measuring costs them nothing. The floor: a bare Node process
// (a pending timer keeps it alive) watched over the same window.
import { figure, MB } from './lib/figure.mjs';
import { cpuMs, lineFrom, now, rss, sleep, start } from './lib/proc.mjs';
import { ROOT } from './lib/repo.mjs';

export async function idle(ctx) {
  const { E, S, W } = ctx.homes;
  const c = await W.client();
  const worker = await W.worker(c);
  const procs = { empty: E.daemonPid(), scale: S.daemonPid(), daemon: W.daemonPid(), worker: worker.pid };
  for (const h of [E, S, W]) for (const cl of h.clients.splice(0)) cl.close();
  const bare = start(process.execPath, ['-e', "process.stdout.write('ready\\n'); setInterval(() => {}, 1 << 30)"], { env: ctx.env, cwd: ROOT });
  await lineFrom(bare, /^ready$/);
  procs.bare = bare.pid;
  // Let start-up work, the last connections and V8's idle-time GC settle: the memory reducer
  // collects a fresh daemon's start-up garbage ~15 s after it starts (a one-off ~60 ms).
  await sleep(ctx.reps.idleSettleSeconds * 1000);
  const windowS = ctx.reps.idleSeconds;
  const parts = Math.min(6, windowS);
  const mem = Object.fromEntries(Object.keys(procs).map((k) => [k, []]));
  const cpu = Object.fromEntries(Object.keys(procs).map((k) => [k, []]));
  const total = Object.fromEntries(Object.keys(procs).map((k) => [k, 0]));
  let last = Object.fromEntries(Object.entries(procs).map(([k, pid]) => [k, cpuMs(pid)]));
  const t0 = now();
  for (let p = 1; p <= parts; p++) {
    await sleep(t0 + (windowS * 1000 * p) / parts - now());
    for (const [k, pid] of Object.entries(procs)) {
      const used = cpuMs(pid);
      cpu[k].push(used - last[k]);
      total[k] += used - last[k];
      last[k] = used;
      mem[k].push(rss(pid) / MB);
    }
  }
  bare.kill('SIGKILL');
  ctx.log(
    `idle ${windowS} s: daemon CPU ${total.daemon.toFixed(1)} ms, worker ${total.worker.toFixed(1)} ms; RSS daemon ${mem.empty.at(-1).toFixed(1)} MB, at scale ${mem.scale.at(-1).toFixed(1)} MB, worker ${mem.worker.at(-1).toFixed(1)} MB`,
  );
  const bareRss = { label: 'a bare Node process', samples: mem.bare };
  const bareCpu = { label: 'a bare Node process, same window', samples: cpu.bare };
  // The target is per 60 s; a shorter window (--quick) gets its share of it.
  const cpuTarget = Math.round(20 * (windowS / 60) * 10) / 10;
  const w = `${windowS} s`;
  const n = ctx.scale.n.toLocaleString('en');
  const note = `the total over the window (min–max: its ${parts} parts), after ${ctx.reps.idleSettleSeconds} s of settling`;
  return [
    figure({
      id: 'rss.daemon.empty',
      label: 'daemon RSS, empty store, no worker',
      unit: 'MB',
      samples: mem.empty,
      floor: bareRss,
      target: { on: 'value', op: '<=', value: 50, text: '≤ 50 MB' },
    }),
    figure({
      id: 'rss.daemon.scale',
      label: `daemon RSS, ${n} tasks stored, no worker`,
      unit: 'MB',
      samples: mem.scale,
      floor: bareRss,
      target: { on: 'value', op: '<=', value: 80, text: '≤ 80 MB' },
    }),
    figure({
      id: 'rss.worker',
      label: 'one idle worker RSS (2 slots, after the task benchmarks)',
      unit: 'MB',
      samples: mem.worker,
      floor: bareRss,
      target: { on: 'value', op: '<=', value: 45, text: '≤ 45 MB' },
    }),
    figure({ id: 'rss.daemon.default', label: 'daemon RSS with its worker, after the task benchmarks (diagnostic)', unit: 'MB', samples: mem.daemon, floor: bareRss }),
    figure({
      id: 'idle.cpu.daemon',
      label: `daemon CPU in ${w} idle (with its worker connected)`,
      unit: 'ms',
      stat: 'total',
      samples: cpu.daemon,
      floor: bareCpu,
      target: { on: 'value', op: '<=', value: cpuTarget, text: `≤ ${cpuTarget} ms${windowS === 60 ? '' : ` (20 ms per 60 s, for ${w})`}` },
      note,
    }),
    figure({ id: 'idle.cpu.worker', label: `worker CPU in ${w} idle (diagnostic)`, unit: 'ms', stat: 'total', samples: cpu.worker, floor: bareCpu, note }),
    figure({ id: 'idle.cpu.daemon.noworker', label: `daemon CPU in ${w} idle, no worker (diagnostic)`, unit: 'ms', stat: 'total', samples: cpu.empty, floor: bareCpu, note }),
  ];
}
