// Where dispatch latency goes: submit → reply → CLAIMED event → RUNNING (worker's startedAt) →
// the process's first output line, one task at a time on an idle daemon, medians per step.
//   node bench/repro/dispatch-trace.mjs [N]
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Home, parseStamp } from '../lib/home.mjs';
import { epochMs, sleep } from '../lib/proc.mjs';
import { median, percentile } from '../lib/stats.mjs';

const N = Number(process.argv[2] ?? 100);
const root = mkdtempSync(path.join(os.tmpdir(), 'bkt-'));
const env = { ...process.env };
delete env.NODE_EXTRA_CA_CERTS;
for (const k of Object.keys(env)) if (k.startsWith('BLANKET_')) delete env[k];
const h = new Home(root, 'h', { slots: 1, env });
try {
  await h.startDaemon();
  const c = await h.client();
  await h.worker(c);
  const seen = new Map();
  await c.subscribe({ kinds: ['task'] }, (e) => {
    if (e.kind !== 'task') return;
    const m = seen.get(e.task.id) ?? seen.set(e.task.id, {}).get(e.task.id);
    m[e.task.state] ??= epochMs();
    if (e.task.state === 'SUCCESS') m.task = e.task;
  });
  const steps = { reply: [], claimed: [], startedAt: [], running: [], stamp: [] };
  let stuck = 0;
  for (let i = 0; i < N + 1; i++) {
    const t0 = epochMs();
    const { task } = await c.call('run', { type: 'bench_stamp' });
    const t1 = epochMs();
    const deadline = Date.now() + 10_000;
    while (!seen.get(task.id)?.task && Date.now() < deadline) await sleep(2);
    if (!seen.get(task.id)?.task) {
      // An idle worker that missed its wake (the old worker-side race: a wake while its own count
      // still held the task just finished) leaves the task queued: say so rather than wait for ever.
      stuck++;
      console.log(`task ${task.id} not ended 10 s after its submit (${seen.get(task.id) ? Object.keys(seen.get(task.id)).join(' → ') : 'no event'})`);
      break;
    }
    const m = seen.get(task.id);
    if (i === 0) continue;
    steps.reply.push(t1 - t0);
    steps.claimed.push(m.CLAIMED - t0);
    steps.startedAt.push(m.task.startedAt - t0);
    steps.running.push(m.RUNNING - t0);
    steps.stamp.push(parseStamp(readFileSync(path.join(m.task.resultDir, 'stdout.log'), 'utf8').split('\n')[0]) - t0);
    await sleep(20);
  }
  if (stuck) console.log(`${stuck} task stuck; figures from the ${steps.reply.length} before it`);
  for (const [k, v] of Object.entries(steps)) console.log(`${k.padEnd(10)} p50 ${median(v).toFixed(2)} ms  p90 ${percentile(v, 90).toFixed(2)} ms`);
  c.close?.();
  await h.stopDaemon();
} finally {
  rmSync(root, { recursive: true, force: true });
}
