// The in-house JSON-lines logger (src/log.ts, core/logformat.ts): the line format pino wrote,
// level filtering, child bindings, values JSON cannot hold, rotation, close, and the last
// lines of a process that crashes.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import t, { type Test } from 'tap';
import { parseLogLine } from '../../src/core/logline.js';
import { createFileLogger, createLogger } from '../../src/log.js';
import { ROOT } from '../helpers/home.js';

const T = Date.UTC(2025, 2, 1, 12, 0, 0, 123);

function tmp(t: Test): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bk-logger-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function capture(level: 'debug' | 'info' | 'warn' | 'error' = 'debug') {
  const lines: string[] = [];
  const log = createLogger(
    (l) => lines.push(l),
    () => T,
    { level, bindings: { host: 'h' } },
  );
  return { lines, log, parsed: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

t.test('the line: level label, ISO time, pid, bindings, fields, msg last', async (t) => {
  const { lines, log } = capture();
  log.child({ worker: 'w1' }).child({ task: 'abc' }).info('task ended', { state: 'ERROR', code: 2 });
  t.equal(
    lines[0],
    `{"level":"info","time":"${new Date(T).toISOString()}","pid":${process.pid},"host":"h","worker":"w1","task":"abc","state":"ERROR","code":2,"msg":"task ended"}\n`,
  );
  t.same(parseLogLine(lines[0]!), { time: T, level: 'info', msg: 'task ended', fields: { pid: process.pid, host: 'h', worker: 'w1', task: 'abc', state: 'ERROR', code: 2 } });
  log.info('undefined fields are left out', { a: undefined, b: null });
  t.same(JSON.parse(lines[1]!).b, null);
  t.notOk('a' in JSON.parse(lines[1]!));
  log.warn('a field may not take a reserved key', { level: 'x', time: 1, msg: 'y' });
  t.match(JSON.parse(lines[2]!), { level: 'warn', msg: 'a field may not take a reserved key', level_: 'x', time_: 1, msg_: 'y' });
});

t.test('levels: below the logger level nothing is written', async (t) => {
  for (const [min, want] of [
    ['debug', ['debug', 'info', 'warn', 'error']],
    ['info', ['info', 'warn', 'error']],
    ['warn', ['warn', 'error']],
    ['error', ['error']],
  ] as const) {
    const { log, parsed } = capture(min);
    log.debug('d');
    log.info('i');
    log.child({ c: 1 }).warn('w');
    log.log('error', 'e');
    t.same(
      parsed().map((o) => o.level),
      want,
      `at ${min}`,
    );
  }
});

t.test('Errors keep their type, message, stack and code; cycles, BigInts and throwing getters never throw', async (t) => {
  const { log, parsed } = capture();
  const err = Object.assign(new TypeError('boom'), { code: 'E_BOOM' });
  log.error('failed', { err, nested: { inner: new Error('deep', { cause: err }) } });
  const o = parsed()[0]!;
  t.match(o.err, { type: 'TypeError', message: 'boom', code: 'E_BOOM', stack: /TypeError: boom\n\s+at / });
  t.match((o.nested as { inner: unknown }).inner, { type: 'Error', message: 'deep', cause: { message: 'boom', code: 'E_BOOM' } });

  const cyclic: Record<string, unknown> = { name: 'a' };
  cyclic.self = cyclic;
  cyclic.list = [cyclic, 1];
  const shared = { x: 1 };
  const bad = {
    get boom(): never {
      throw new Error('getter');
    },
  };
  const loops = Object.assign(new Error('loop'), {} as { me?: unknown });
  loops.me = loops;
  t.doesNotThrow(() =>
    log.warn('odd values', {
      cyclic,
      big: 12345678901234567890n,
      both: [shared, shared],
      bad,
      loops,
      nan: NaN,
      fn: function named() {},
      when: new Date(T),
      map: new Map([['k', 1n]]),
      deep: { a: { b: { c: { d: { e: { f: { g: { h: { i: 1 } } } } } } } } },
      badJson: {
        toJSON: () => {
          throw new Error('nope');
        },
      },
    }),
  );
  const w = parsed()[1]!;
  t.same(w.cyclic, { name: 'a', self: '[Circular]', list: ['[Circular]', 1] });
  t.equal(w.big, '12345678901234567890');
  t.same(w.both, [{ x: 1 }, { x: 1 }], 'an object met twice, not in a cycle, is written twice');
  t.match(w.bad, { boom: /unreadable: getter/ });
  t.match(w.loops, { message: 'loop', me: '[Circular]' });
  t.equal(w.nan, 'NaN');
  t.equal(w.fn, '[Function named]');
  t.equal(w.when, new Date(T).toISOString());
  t.same(w.map, { k: '1' });
  t.match(JSON.stringify(w.deep), /\[Object\]/);
  t.match(w.badJson, /unserialisable: nope/);
  t.equal(w.msg, 'odd values');
});

t.test('a file: rotation by size keeps N files, each under the limit, no line split or lost', async (t) => {
  const dir = tmp(t);
  const file = path.join(dir, 'w.log');
  writeFileSync(file, `${'{"level":"info","msg":"before"}\n'.repeat(20)}`);
  const log = createFileLogger({ file, maxBytes: 2048, keep: 2, level: 'info' });
  for (let i = 0; i < 100; i++) log.info(`line ${i}`, { i });
  log.debug('below the level');
  await log.close();
  t.same(readdirSync(dir).sort(), ['w.log', 'w.log.1', 'w.log.2']);
  const lines = ['w.log.2', 'w.log.1', 'w.log'].flatMap((f) => {
    t.ok(statSync(path.join(dir, f)).size <= 2048, `${f} is within the limit`);
    t.equal(statSync(path.join(dir, f)).mode & 0o777, 0o600, `${f} is the user's alone`);
    return readFileSync(path.join(dir, f), 'utf8').split('\n').filter(Boolean);
  });
  const nums = lines
    .map((l) => JSON.parse(l) as { i?: number })
    .filter((o) => o.i !== undefined)
    .map((o) => o.i!);
  t.same(
    nums,
    Array.from({ length: nums.length }, (_, k) => 100 - nums.length + k),
    'the newest lines, in order, without gaps',
  );
  t.equal(nums.at(-1), 99);
  t.notOk(lines.some((l) => l.includes('below the level')));
});

t.test('close writes out what is buffered; lines after close go to stderr', async (t) => {
  const dir = tmp(t);
  const file = path.join(dir, 'd.log');
  const log = createFileLogger({ file, maxBytes: 1 << 20, keep: 1 });
  log.info('buffered');
  await log.close();
  t.match(readFileSync(file, 'utf8'), /"msg":"buffered"/);
  const errs: string[] = [];
  const write = process.stderr.write.bind(process.stderr);
  process.stderr.write = ((chunk: string) => (errs.push(String(chunk)), true)) as typeof process.stderr.write;
  try {
    log.info('late');
  } finally {
    process.stderr.write = write;
  }
  t.ok(errs.some((e) => e.includes('"msg":"late"')));
  t.notMatch(readFileSync(file, 'utf8'), /late/);
});

t.test('the last lines of a process that crashes reach the file', async (t) => {
  const dir = tmp(t);
  const file = path.join(dir, 'crash.log');
  const script = `
    const { createFileLogger } = await import(${JSON.stringify(path.join(ROOT, 'dist', 'log.js'))});
    const log = createFileLogger({ file: ${JSON.stringify(file)}, maxBytes: 1 << 20, keep: 1 });
    log.info('first');
    await new Promise((r) => setTimeout(r, 1));
    log.error('the last words', { n: 1 });
    throw new Error('crash');
  `;
  t.throws(() => execFileSync(process.execPath, ['--input-type=module', '-e', script], { stdio: 'pipe' }), 'the process crashed');
  const msgs = readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => parseLogLine(l)!.msg);
  t.same(msgs, ['first', 'the last words']);
});
