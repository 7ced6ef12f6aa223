// CLI round trip: `blanket ps` and `blanket run -q -- true` against a running daemon with an empty store,
// next to the floors of a bare `node -e 0` and a plain Node socket round trip,
// and the references of importing @oclif/core and a minimal oclif command.
// CLI at scale: `blanket ps` and `blanket run -q -- true` with N tasks stored ÷ empty.
// Every round measures each command once, back to back, so load drifts hit all alike.
import path from 'node:path';
import { figure } from './lib/figure.mjs';
import { BIN, ROOT } from './lib/repo.mjs';
import { timed } from './lib/proc.mjs';
import { median } from './lib/stats.mjs';

const FLOORS = path.join(path.dirname(new URL(import.meta.url).pathname), 'floors');

const node = (ctx, args) => timed(process.execPath, args, { env: ctx.env, cwd: ROOT });

export async function roundTrip(ctx) {
  const { E } = ctx.homes;
  const cmds = {
    node: () => node(ctx, ['-e', '0']),
    socket: () => node(ctx, [path.join(FLOORS, 'socket-client.mjs'), ctx.echoSocket]),
    oclifImport: () => node(ctx, ['--input-type=module', '-e', "await import('@oclif/core')"]),
    version: () => node(ctx, [BIN, '--version']),
    ps: () => E.cli(['ps']),
    run: () => E.cli(['run', '-q', '--', 'true']),
  };
  // What NODE_EXTRA_CA_CERTS costs every node start: the same `node -e 0` without it, in the same rounds.
  if (ctx.env.NODE_EXTRA_CA_CERTS) {
    const without = { ...ctx.env };
    delete without.NODE_EXTRA_CA_CERTS;
    cmds.nodeNoCa = () => timed(process.execPath, ['-e', '0'], { env: without, cwd: ROOT });
  }
  const t = Object.fromEntries(Object.keys(cmds).map((k) => [k, []]));
  if (!ctx.quick) for (const f of Object.values(cmds)) await f(); // warm the page cache
  for (let i = 0; i < ctx.reps.cli; i++) {
    for (const [k, f] of Object.entries(cmds)) t[k].push((await f()).ms);
  }
  ctx.log(`round trip: ps ${Math.round(median(t.ps))} ms, run ${Math.round(median(t.run))} ms, node -e 0 ${Math.round(median(t.node))} ms`);
  const floor = { label: '`node -e 0`', samples: t.node };
  return [
    figure({ id: 'floor.node', label: '`node -e 0` (the floor of every process start)', unit: 'ms', samples: t.node }),
    figure({
      id: 'ref.socket',
      label: 'plain Node script: one JSON line round trip over a Unix socket',
      unit: 'ms',
      samples: t.socket,
      floor,
      paired: true,
      note: 'reference: ~1.3× seen before',
    }),
    figure({
      id: 'ref.oclif-import',
      label: '`node` importing `@oclif/core` alone',
      unit: 'ms',
      samples: t.oclifImport,
      floor,
      paired: true,
      note: 'reference: ~4.5× seen before',
    }),
    figure({
      id: 'ref.version',
      label: '`blanket --version` (a minimal oclif command)',
      unit: 'ms',
      samples: t.version,
      floor,
      paired: true,
      note: 'reference: ~5.7× seen before',
    }),
    ...(t.nodeNoCa
      ? [
          figure({
            id: 'ref.ca-cost',
            label: '`node -e 0` with NODE_EXTRA_CA_CERTS (what the CA bundle costs every node start)',
            unit: 'ms',
            samples: t.node,
            floor: { label: '`node -e 0` without it', samples: t.nodeNoCa },
            paired: true,
            note: `the CA bundle adds ${Math.round(median(t.node) - median(t.nodeNoCa))} ms (difference of medians) to every node start`,
          }),
        ]
      : []),
    figure({
      id: 'cli.ps',
      label: 'CLI round trip: `blanket ps`, daemon running, empty store',
      unit: 'ms',
      samples: t.ps,
      floor,
      paired: true,
      target: { on: 'ratio', op: '<=', value: 1.5, text: '≤ 1.5× `node -e 0`' },
    }),
    figure({
      id: 'cli.run',
      label: 'CLI submit: `blanket run -q -- true`, daemon running, empty store (no worker: it stays queued)',
      unit: 'ms',
      samples: t.run,
      floor,
      paired: true,
      target: { on: 'ratio', op: '<=', value: 1.5, text: '≤ 1.5× `node -e 0`' },
    }),
  ];
}

export async function atScale(ctx) {
  const { E, S } = ctx.homes;
  const t = { psE: [], psS: [], runE: [], runS: [] };
  const cmds = {
    psE: () => E.cli(['ps']),
    psS: () => S.cli(['ps']),
    runE: () => E.cli(['run', '-q', '--', 'true']),
    runS: () => S.cli(['run', '-q', '--', 'true']),
  };
  if (!ctx.quick) {
    await cmds.psE();
    await cmds.psS();
  }
  for (let i = 0; i < ctx.reps.cli; i++) {
    for (const [k, f] of Object.entries(cmds)) t[k].push((await f()).ms);
  }
  const n = ctx.scale.n.toLocaleString('en');
  ctx.log(`at scale: ps ${Math.round(median(t.psS))} / ${Math.round(median(t.psE))} ms, run ${Math.round(median(t.runS))} / ${Math.round(median(t.runE))} ms`);
  return [
    figure({
      id: 'scale.ps',
      label: `CLI at scale: \`blanket ps\` with ${n} tasks stored`,
      unit: 'ms',
      samples: t.psS,
      floor: { label: '`blanket ps`, empty store', samples: t.psE },
      paired: true,
      target: { on: 'ratio', op: '<=', value: 1.2, text: '≤ 1.2× empty store' },
    }),
    figure({
      id: 'scale.run',
      label: `submit at scale: \`blanket run -q -- true\` with ${n} tasks stored`,
      unit: 'ms',
      samples: t.runS,
      floor: { label: '`blanket run -q -- true`, empty store', samples: t.runE },
      paired: true,
      target: { on: 'ratio', op: '<=', value: 1.2, text: '≤ 1.2× empty store' },
    }),
  ];
}
