import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import t from 'tap';
import { LIVE_TIMEOUT_MS, liveValues } from '../../src/cli/complete/live.js';
import { BIN, processesOf, TestHome, testEnv } from '../helpers/home.js';

/** `blanket __complete WORDS…`: its lines (values only) and how long it took. */
async function complete(h: TestHome, words: string[], budgetMs?: number): Promise<{ values: string[]; lines: string[]; ms: number; code: number | null }> {
  const start = Date.now();
  const r = await h.run(['__complete', ...words], { timeoutMs: 10_000, ...(budgetMs ? { env: { BLANKET_COMPLETE_TIMEOUT: String(budgetMs) } } : {}) });
  const lines = r.stdout.split('\n').filter(Boolean);
  return { values: lines.map((l) => l.split('\t')[0]!), lines, ms: Date.now() - start, code: r.code };
}

t.test('static values come from the manifest, without a daemon', async (t) => {
  const h = new TestHome(t);
  const top = await complete(h, ['']);
  t.equal(top.code, 0);
  t.ok(
    ['run', 'ps', 'daemon', 'types', 'config', 'autocomplete'].every((c) => top.values.includes(c)),
    top.values.join(' '),
  );
  t.notOk(top.values.includes('__complete'));
  t.same((await complete(h, ['daemon', 'st'])).values, ['start', 'status', 'stop']);
  t.same((await complete(h, ['ps', '--la'])).values, ['--label']);
  t.same((await complete(h, ['ps', '--state', 'RU'])).values, ['RUNNING']);
  t.same((await complete(h, ['autocomplete', ''])).values, ['bash', 'zsh', 'fish']);
  t.same((await complete(h, ['run', '--batch', ''])).lines, [':files']);
  t.same(processesOf(h.dir), [], 'completion never starts a daemon');
});

/** Run in this process as if BLANKET_HOME were the test home. */
async function inHome<T>(h: TestHome, f: () => Promise<T>): Promise<T> {
  const saved = process.env.BLANKET_HOME;
  process.env.BLANKET_HOME = h.dir;
  try {
    return await f();
  } finally {
    if (saved === undefined) delete process.env.BLANKET_HOME;
    else process.env.BLANKET_HOME = saved;
  }
}

/** The live tests check values, not speed: a loaded machine must not make them flaky. */
const LIVE = 10_000;

t.test('live values from a real daemon', async (t) => {
  // No default worker: the tasks stay queued, so their states are known.
  const h = new TestHome(t, { workers: false });
  const a = (await h.run(['run', '-q', 'echo_task'])).stdout.trim();
  const b = (await h.run(['run', '-q', 'greet', '-e', 'NAME=Ada', '--label', 'demo'])).stdout.trim();
  t.match(b, /^[0-9a-z]{8}$/);

  const types = await complete(h, ['run', ''], LIVE);
  t.ok(
    ['echo_task', 'greet', 'shell'].every((n) => types.values.includes(n)),
    types.values.join(' '),
  );
  t.same((await complete(h, ['run', 'ec'], LIVE)).values, ['echo_task']);
  t.same((await complete(h, ['ps', '--type=gr'], LIVE)).values, ['--type=greet']);
  t.same((await complete(h, ['types', 'show', 'gre'], LIVE)).values, ['greet']);

  const rm = await complete(h, ['rm', ''], LIVE);
  t.same(rm.values.sort(), [a, b].sort(), 'task ids for rm');
  t.ok(rm.lines.includes(`${b}\tWAITING greet [demo]`), rm.lines.join('\n'));
  t.same((await complete(h, ['rm', a, ''], LIVE)).values.sort(), [a, b].sort(), 'rm takes more ids');
  t.same((await complete(h, ['show', ''], LIVE)).values, [b, a], 'show offers the newest first');
  // Two ids made in the same second share 7 characters: the prefix offers every id it matches.
  const prefix = b.slice(0, 7);
  t.same(
    (await complete(h, ['show', prefix], LIVE)).values,
    [b, a].filter((id) => id.startsWith(prefix)),
    'ids complete from a prefix',
  );
  t.same((await complete(h, ['show', b], LIVE)).values, [b], 'a whole id completes to itself');
  // No schedules yet: no values.
  t.same(await inHome(h, () => liveValues('schedules', LIVE)), []);
  await h.ok(['worker', 'start', '--name', 'w1', '--tags', 'sh']);
  t.same(
    (await inHome(h, () => liveValues('workers', LIVE))).map((c) => c.value),
    ['w1'],
  );
  t.ok(
    (await inHome(h, () => liveValues('types', LIVE))).some((c) => c.value === 'greet'),
    'in-process, the same values',
  );
});

t.test('a stopped or hung daemon never hangs completion', async (t) => {
  const h = new TestHome(t);
  // A socket that accepts and never answers: the worst case for a shell.
  mkdirSync(h.paths.run, { recursive: true, mode: 0o700 });
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => sockets.add(s));
  await new Promise<void>((r) => server.listen(h.paths.socket, r));
  t.teardown(() => {
    for (const s of sockets) s.destroy();
    server.close();
  });
  const hung = await complete(h, ['show', '']);
  // It gave up by itself: a hang would be killed by the 10 s run timeout and have no exit code.
  t.equal(hung.code, 0, `returned by itself (${hung.ms} ms)`);
  t.same(hung.values, [], 'no live values');
  t.ok(sockets.size >= 1, 'it did try the daemon');
  t.same((await complete(h, ['ps', '--st'])).values, ['--state'], 'static values still come');
  const start = Date.now();
  t.same(await inHome(h, () => liveValues('types')), [], 'in-process: nothing from a hung daemon');
  const ms = Date.now() - start;
  // It waited out its budget (a hang would stall the test until tap's timeout).
  t.ok(ms >= LIVE_TIMEOUT_MS - 20, `gave up after its ${LIVE_TIMEOUT_MS} ms budget (${ms} ms)`);
  for (const s of sockets) s.destroy();
  await new Promise((r) => server.close(r));
  const gone = await complete(h, ['show', '']);
  t.same(gone.values, [], 'a stale socket file: nothing');
  t.same(processesOf(h.dir), [], 'completion never starts a daemon');
});

t.test('the bash script completes through blanket __complete', { skip: spawnSync('bash', ['-c', 'true']).status === 0 ? false : 'no bash' }, async (t) => {
  const h = new TestHome(t);
  const id = (await h.run(['run', '-q', 'echo_task'])).stdout.trim();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bk-sh-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  symlinkSync(BIN, path.join(dir, 'blanket'));
  writeFileSync(path.join(dir, 'blanket.bash'), (await h.run(['autocomplete', 'bash'])).stdout);
  const driver = 'source "$1"; COMP_LINE=$2; COMP_POINT=${#COMP_LINE}; _blanket; printf "%s\\n" "${COMPREPLY[@]}"';
  const bash = (line: string) =>
    new Promise<string[]>((resolve, reject) => {
      const env = testEnv(h.dir, { PATH: `${dir}${path.delimiter}${process.env.PATH}` });
      const p = spawn('bash', ['-c', driver, 'bash', path.join(dir, 'blanket.bash'), line], { env });
      let out = '';
      p.stdout.on('data', (d) => (out += d));
      p.on('error', reject);
      p.on('close', () => resolve(out.split('\n').filter(Boolean)));
    });
  t.same(await bash('blanket daemon st'), ['start', 'status', 'stop']);
  t.same(await bash('blanket ps --state=ERROR,TI'), ['ERROR,TIMEDOUT'], 'bash replaces only what follows =');
  t.same(await bash('blanket show '), [id]);
  t.same(await bash('blanket run echo'), ['echo_task']);
});
