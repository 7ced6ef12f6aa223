// Daemon start: `blanket daemon start` → the socket answering an RPC, with N
// tasks stored and with an empty store, next to `node -e 0`, round by round.
import { figure } from './lib/figure.mjs';
import { now, timed } from './lib/proc.mjs';
import { ROOT } from './lib/repo.mjs';

async function timedStart(home) {
  await home.stopDaemon();
  const t0 = now();
  await home.startDaemon();
  const c = await home.client();
  await c.call('daemon.status', {});
  const ms = now() - t0;
  c.close();
  home.clients.splice(home.clients.indexOf(c), 1);
  return ms;
}

export async function daemonStart(ctx) {
  const { E, S } = ctx.homes;
  const t = { node: [], empty: [], scale: [] };
  for (let i = 0; i < ctx.reps.start; i++) {
    t.node.push((await timed(process.execPath, ['-e', '0'], { env: ctx.env, cwd: ROOT })).ms);
    t.empty.push(await timedStart(E));
    t.scale.push(await timedStart(S));
  }
  const n = ctx.scale.n.toLocaleString('en');
  ctx.log(`daemon start: ${Math.round(t.scale[0])} ms at scale, ${Math.round(t.empty[0])} ms empty (first round)`);
  return [
    figure({
      id: 'start.empty',
      label: '`blanket daemon start` → socket answering, empty store',
      unit: 'ms',
      samples: t.empty,
      floor: { label: '`node -e 0`', samples: t.node },
      paired: true,
    }),
    figure({
      id: 'start.scale',
      label: `\`blanket daemon start\` → socket answering, ${n} tasks stored`,
      unit: 'ms',
      samples: t.scale,
      floor: { label: 'the same, empty store', samples: t.empty },
      paired: true,
      target: { on: 'value', op: '<=', value: 1000, text: '≤ 1 s' },
    }),
  ];
}
