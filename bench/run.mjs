#!/usr/bin/env node
// The benchmark suite: every figure of the performance targets, measured
// against real daemons in temporary homes, twice — with NODE_EXTRA_CA_CERTS as
// the environment has it, and without — each as a ratio to a floor measured
// in the same run. Writes bench/results/<date>.{json,md}, and, for a whole run
// (no --only), latest.md and the summary in README.md. See bench/README.md.
//
//   node bench/run.mjs [--quick] [--scale N] [--only a,b] [--env ca|noca|both] [--out DIR] [--keep] [--no-readme] [--check]
import { mkdtempSync, rmSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { bulk } from './bulk.mjs';
import { atScale, roundTrip } from './cli.mjs';
import { copyStore } from './gen-store.mjs';
import { Home } from './lib/home.mjs';
import { loadAvg, machine } from './lib/machine.mjs';
import { killChildren, lineFrom, processesWithEnv, start, timed } from './lib/proc.mjs';
import { BENCH, checkBuild, ROOT } from './lib/repo.mjs';
import { updateReadme, write } from './lib/report.mjs';
import { dispatch, follow } from './latency.mjs';
import { idle } from './idle.mjs';
import { daemonStart } from './start.mjs';
import { throughput } from './throughput.mjs';

const BENCHES = { roundTrip, atScale, throughput, dispatch, follow, daemonStart, idle, bulk };

const { values: opts } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    scale: { type: 'string' },
    only: { type: 'string' },
    env: { type: 'string', default: 'both' },
    out: { type: 'string' },
    keep: { type: 'boolean', default: false },
    'no-readme': { type: 'boolean', default: false },
    'sync-writes': { type: 'boolean', default: false },
    check: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (opts.help) {
  process.stdout.write(`usage: npm run bench -- [options]
  --quick          small N and few repetitions (a smoke check; its times mean little)
  --scale N        tasks in the store for the at-scale figures (default 1000000; quick 2000)
  --only a,b       run only these: ${Object.keys(BENCHES).join(', ')}
  --env WHICH      ca (NODE_EXTRA_CA_CERTS as the environment has it), noca, or both (default)
  --out DIR        where results go (default bench/results; quick: bench/results/tmp)
  --sync-writes    homes fsync each submit (default: sync_writes = false)
  --keep           keep the temporary homes
  --no-readme      do not update the summary in README.md
  --check          exit 1 when a target is missed
`);
  process.exit(0);
}

const FULL = { cli: 20, tasks: 1000, throughput: 3, dispatch: 200, follow: 3, followLines: 50, idleSeconds: 60, idleSettleSeconds: 30, start: 5, bulkTasks: 100_000, bulk: 3 };
const QUICK = { cli: 2, tasks: 30, throughput: 1, dispatch: 10, follow: 1, followLines: 5, idleSeconds: 2, idleSettleSeconds: 0.5, start: 1, bulkTasks: 500, bulk: 1 };
const reps = opts.quick ? QUICK : FULL;
const scaleN = Number(opts.scale ?? (opts.quick ? 2000 : 1_000_000));
if (!Number.isInteger(scaleN) || scaleN < 1) throw new Error('--scale N: a positive integer');
const only = opts.only ? opts.only.split(',').map((s) => s.trim()) : Object.keys(BENCHES);
for (const o of only) if (!BENCHES[o]) throw new Error(`--only: no bench "${o}" (there are ${Object.keys(BENCHES).join(', ')})`);

const t0 = Date.now();
const log = (m) => process.stderr.write(`[bench ${((Date.now() - t0) / 1000).toFixed(0).padStart(4)} s] ${m}\n`);

/** The environments every figure is measured in. */
function variants() {
  const base = { ...process.env, NO_COLOR: '1' };
  for (const k of Object.keys(base)) if (k.startsWith('BLANKET_')) delete base[k];
  delete base.XDG_RUNTIME_DIR;
  const without = { ...base };
  delete without.NODE_EXTRA_CA_CERTS;
  const list = [];
  const ca = process.env.NODE_EXTRA_CA_CERTS;
  if (opts.env !== 'noca') {
    if (ca) list.push({ key: 'ca', label: `with NODE_EXTRA_CA_CERTS (${ca})`, env: base });
    else if (opts.env === 'ca') throw new Error('--env ca: NODE_EXTRA_CA_CERTS is not set in this environment');
  }
  if (opts.env !== 'ca') list.push({ key: 'noca', label: 'without NODE_EXTRA_CA_CERTS', env: without });
  return list;
}

const warnings = [];
const stale = checkBuild();
if (stale) warnings.push(stale);
if (!process.env.NODE_EXTRA_CA_CERTS && opts.env === 'both') warnings.push('NODE_EXTRA_CA_CERTS is not set here: only the run without it was made');

const root = mkdtempSync('/tmp/bkb-');
const homes = [];
let echo;
let cleaning;

/** Stop every daemon of ours, then anything else whose BLANKET_HOME is under our root. */
async function cleanup() {
  cleaning ??= (async () => {
    for (const h of homes) await h.stopDaemon().catch((err) => log(`could not stop ${h.dir} cleanly: ${err.message}`));
    echo?.kill('SIGTERM');
    killChildren();
    for (const pid of processesWithEnv('BLANKET_HOME', `${root}/`)) {
      try {
        process.kill(pid, 'SIGKILL');
        log(`killed leftover process ${pid}`);
      } catch {
        // gone
      }
    }
    if (!opts.keep) rmSync(root, { recursive: true, force: true });
  })();
  return cleaning;
}
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    log(`${sig}: cleaning up`);
    void cleanup().then(() => process.exit(130));
  });
}

const result = {
  schema: 1,
  date: new Date().toISOString(),
  mode: opts.quick ? 'quick' : 'full',
  machine: machine(),
  loadAvg: { start: loadAvg() },
  reps,
  config: { syncWrites: opts['sync-writes'] },
  scale: { n: scaleN },
  tmpRoot: root,
  variants: [],
  warnings,
};
let failed = false;

try {
  log(`${result.mode} run; load average ${result.loadAvg.start.join(' ')}; homes under ${root}`);
  const gen = await timed(process.execPath, [path.join(BENCH, 'gen-store.mjs'), '--scale', String(scaleN)], {
    cwd: ROOT,
    timeoutMs: 3 * 3600_000,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const store = JSON.parse(gen.stdout);
  Object.assign(result.scale, { counts: store.counts, cached: store.cached, buildMs: store.buildMs, layout: store.layout });
  log(`store of ${scaleN} tasks ${store.cached ? 'from the cache' : `built in ${(store.buildMs / 1000).toFixed(0)} s`}`);

  const echoSocket = path.join(root, 'echo.sock');
  echo = start(process.execPath, [path.join(BENCH, 'floors', 'echo-server.mjs'), echoSocket], { cwd: ROOT });
  await lineFrom(echo, /^ready$/);

  for (const v of variants()) {
    log(`— ${v.label}`);
    const mk = (name, slots) => {
      const h = new Home(root, `${name}-${v.key}`, { slots, env: v.env, syncWrites: opts['sync-writes'] });
      homes.push(h);
      return h;
    };
    const E = mk('e', 0);
    const S = mk('s', 0);
    const W = mk('w', 2);
    copyStore(store.dir, S.paths.db);
    await Promise.all([E, S, W].map((h) => h.startDaemon()));
    const ctx = {
      quick: opts.quick,
      env: v.env,
      variant: v.key,
      root,
      homes: { E, S, W },
      echoSocket,
      reps,
      scale: result.scale,
      log,
      keep: opts.keep,
      syncWrites: opts['sync-writes'],
    };
    const out = { key: v.key, label: v.label, figures: [], errors: [] };
    ctx.problem = (bench, message) => {
      failed = true;
      out.errors.push({ bench, message });
      log(`${bench}: ${message}`);
    };
    result.variants.push(out);
    for (const name of only) {
      try {
        out.figures.push(...(await BENCHES[name](ctx)));
      } catch (err) {
        failed = true;
        out.errors.push({ bench: name, message: err.stack ?? String(err) });
        log(`${name} failed: ${err.stack ?? err}`);
      } finally {
        for (const h of [E, S, W]) for (const c of h.clients.splice(0)) c.close();
      }
    }
    for (const h of [E, S, W]) {
      await h.stopDaemon();
      if (!opts.keep) h.remove();
    }
  }
} catch (err) {
  failed = true;
  warnings.push(`the run stopped: ${err.message}`);
  log(err.stack ?? String(err));
} finally {
  await cleanup();
}

result.loadAvg.end = loadAvg();
result.durationS = Math.round((Date.now() - t0) / 1000);
const stamp = result.date.slice(0, 16).replace('T', '_').replace(':', '');
const defaultOut = opts.quick ? path.join(BENCH, 'results', 'tmp') : path.join(BENCH, 'results');
const outDir = path.resolve(opts.out ?? defaultOut);
// latest.md and the README's summary stand for a whole run: a partial one (--only) writes only its own files.
const whole = !opts.only;
const files = write(result, outDir, stamp, { latest: whole });
log(`wrote ${path.relative(process.cwd(), files.md)} and ${path.relative(process.cwd(), files.json)}`);
if (whole && !opts.quick && !opts['no-readme'] && !opts.out && result.variants.length && updateReadme(result, files.md)) log('updated the summary in README.md');
const missed = result.variants.flatMap((v) => v.figures.filter((f) => f.met === false).map((f) => `${v.key}: ${f.id}`));
if (missed.length) log(`targets missed: ${missed.join(', ')}`);
process.exit(failed ? 1 : opts.check && missed.length ? 1 : 0);
