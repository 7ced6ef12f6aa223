// The benchmark suite runs end to end (`bench/run.mjs --quick`), writes its
// results, and leaves no process or home behind. Nothing here is about time.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import t from 'tap';
import { ROOT } from './helpers/home.js';

/** Processes whose BLANKET_HOME lies under `root`. */
function processesUnder(root: string): number[] {
  const pids: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d) || Number(d) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${d}/environ`, 'utf8').includes(`BLANKET_HOME=${root}/`)) pids.push(Number(d));
    } catch {
      // gone, or not ours to read
    }
  }
  return pids;
}

t.test('bench/run.mjs --quick runs every benchmark and cleans up', { skip: process.platform !== 'linux' && 'the suite reads /proc' }, async (t) => {
  const out = mkdtempSync(path.join(os.tmpdir(), 'bk-bench-'));
  let tmpRoot: string | undefined;
  t.teardown(() => {
    rmSync(out, { recursive: true, force: true });
    if (tmpRoot) for (const pid of processesUnder(tmpRoot)) process.kill(pid, 'SIGKILL');
  });
  // One environment (without NODE_EXTRA_CA_CERTS) keeps this well inside a minute; the other runs the same code.
  const child = spawn(process.execPath, [path.join(ROOT, 'bench', 'run.mjs'), '--quick', '--env', 'noca', '--out', out], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => {
    stderr += d;
    tmpRoot ??= /homes under (\/\S+)/.exec(stderr)?.[1];
  });
  child.stdout.resume();
  const code = await new Promise<number | null>((resolve) => {
    const timer = setTimeout(() => {
      // SIGTERM lets the suite stop its daemons; the teardown catches anything left.
      child.kill('SIGTERM');
      setTimeout(() => child.kill('SIGKILL'), 15_000).unref();
    }, 150_000);
    child.on('exit', (c) => {
      clearTimeout(timer);
      resolve(c);
    });
  });
  t.equal(code, 0, `the suite exits 0\n${stderr.slice(-3000)}`);

  const json = readdirSync(out).filter((f) => f.endsWith('.json'));
  t.equal(json.length, 1, 'one results file');
  const r = JSON.parse(readFileSync(path.join(out, json[0]!), 'utf8'));
  t.equal(r.mode, 'quick');
  t.ok(r.machine.cpu && r.machine.cores > 0 && r.loadAvg.start.length === 3, 'machine info and load average');
  t.equal(r.variants.length, 1);
  const v = r.variants[0];
  t.same(v.errors, [], 'no benchmark failed');
  const ids = v.figures.map((f: { id: string }) => f.id);
  for (const id of [
    'floor.node',
    'cli.ps',
    'scale.ps',
    'scale.run',
    'throughput',
    'dispatch.p50',
    'dispatch.p99',
    'follow.p50',
    'rss.daemon.empty',
    'rss.daemon.scale',
    'rss.worker',
    'idle.cpu.daemon',
    'start.scale',
    'bulk',
  ]) {
    t.ok(ids.includes(id), `figure ${id}`);
  }
  for (const f of v.figures) {
    t.ok(Number.isFinite(f.value) && Number.isFinite(f.min) && Number.isFinite(f.max) && f.n > 0, `${f.id} has a value and a range`);
    if (f.floor) t.ok(Number.isFinite(f.floor.value), `${f.id} has its floor`);
    if (f.target) t.ok(typeof f.met === 'boolean' || f.met === null, `${f.id} says whether its target is met`);
  }
  const md = readFileSync(path.join(out, 'latest.md'), 'utf8');
  t.match(md, /\| Figure \| Target \|/, 'the summary table');
  t.match(md, /Load average at start/, 'the load average');

  t.ok(tmpRoot, 'the suite said where its homes are');
  t.same(processesUnder(r.tmpRoot), [], 'no process of the suite is left');
  t.notOk(existsSync(r.tmpRoot), 'its temporary homes are gone');
});
