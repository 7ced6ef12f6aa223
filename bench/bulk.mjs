// Bulk submit: `blanket run --batch FILE -q` with N tasks into a fresh daemon
// (no worker, so nothing runs meanwhile), timed start to exit. The floor: a
// plain Node script sending the same lines as run.batch-shaped requests to a
// tiny socket server and printing the ids it gets back.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { figure } from './lib/figure.mjs';
import { Home } from './lib/home.mjs';
import { timed } from './lib/proc.mjs';
import { ROOT } from './lib/repo.mjs';

const FLOORS = path.join(path.dirname(new URL(import.meta.url).pathname), 'floors');

export async function bulk(ctx) {
  const n = ctx.reps.bulkTasks;
  const file = path.join(ctx.root, `batch-${n}.jsonl`);
  writeFileSync(file, `${JSON.stringify({ type: 'shell', env: { COMMAND: 'true' } })}\n`.repeat(n));
  const rates = [];
  const floor = [];
  for (let i = 0; i < ctx.reps.bulk; i++) {
    const home = new Home(ctx.root, `b${i}-${ctx.variant}`, { slots: 0, env: ctx.env, syncWrites: ctx.syncWrites });
    try {
      await home.startDaemon();
      const f = await timed(process.execPath, [path.join(FLOORS, 'batch-client.mjs'), ctx.echoSocket, file], { env: ctx.env, cwd: ROOT });
      floor.push((n / f.ms) * 1000);
      const r = await home.cli(['run', '--batch', file, '-q'], { timeoutMs: 600_000 });
      const ids = r.stdout.split('\n').filter(Boolean).length;
      if (ids !== n) throw new Error(`run --batch printed ${ids} ids for ${n} tasks`);
      rates.push((n / r.ms) * 1000);
      ctx.log(`bulk: ${Math.round(rates.at(-1))} tasks/s (floor ${Math.round(floor.at(-1))}/s)`);
    } finally {
      await home.stopDaemon();
      if (!ctx.keep) home.remove();
    }
  }
  return [
    figure({
      id: 'bulk',
      label: `bulk: \`blanket run --batch FILE -q\` with ${n.toLocaleString('en')} tasks, start to exit`,
      unit: 'tasks/s',
      better: 'higher',
      samples: rates,
      floor: { label: 'plain Node script: the same lines as run.batch requests to a socket echo server', samples: floor },
      paired: true,
      target: { on: 'value', op: '>=', value: 5000, text: '≥ 5000 tasks/s' },
    }),
  ];
}
