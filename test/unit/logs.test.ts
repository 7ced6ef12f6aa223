// Structured logs: pino lines through the rotating file, read back across
// rotations with a level filter, followed across a rotation, rendered for people.
import { appendFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import t, { type Test } from 'tap';
import { lineAtLeast, parseLogLine } from '../../src/core/logline.js';
import { followLog, lastLogLines } from '../../src/os/logfiles.js';
import { renderLogEntry, renderLogLine } from '../../src/cli/render/logs.js';
import { createFileLogger, createLogger } from '../../src/log.js';
import { waitFor } from '../helpers/home.js';

const T = Date.UTC(2025, 2, 1, 12, 0, 0, 123);

function tmp(t: Test): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bk-log-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

t.test('a logger writes one JSON object per line with time, level, pid, bindings and fields', async (t) => {
  const lines: string[] = [];
  const log = createLogger(
    (l) => lines.push(l),
    () => T,
    { level: 'debug' },
  );
  log.child({ worker: 'local' }).warn('worker died; restarting', { delayMs: 200 });
  log.debug('quiet');
  log.info('task ended', { task: '0kq3', state: 'ERROR' });
  t.equal(lines.length, 3);
  t.ok(lines.every((l) => l.endsWith('\n')));
  const first = JSON.parse(lines[0]!);
  t.same(first, { level: 'warn', time: new Date(T).toISOString(), pid: process.pid, worker: 'local', delayMs: 200, msg: 'worker died; restarting' });
  t.match(JSON.parse(lines[2]!), { task: '0kq3', state: 'ERROR' });

  const quiet: string[] = [];
  createLogger((l) => quiet.push(l), undefined, { level: 'warn' }).info('not written');
  t.same(quiet, [], 'below the level: nothing');
});

t.test('lines parse back; the level filter passes lines that are not ours', async (t) => {
  const line = JSON.stringify({ level: 'warn', time: new Date(T).toISOString(), pid: 1, task: 'abc', msg: 'hm' });
  t.same(parseLogLine(line), { time: T, level: 'warn', msg: 'hm', fields: { pid: 1, task: 'abc' } });
  t.same(parseLogLine('{"level":50,"time":1,"msg":"numeric"}'), { time: 1, level: 'error', msg: 'numeric', fields: {} }, "pino's numeric levels");
  t.equal(parseLogLine('Error: boom'), undefined);
  t.equal(parseLogLine('{not json'), undefined);
  t.equal(parseLogLine('{"msg":"no level"}'), undefined);
  t.ok(lineAtLeast(line, 'warn'));
  t.ok(lineAtLeast(line, 'info'));
  t.notOk(lineAtLeast(line, 'error'));
  t.ok(lineAtLeast('    at main (file.js:1:1)', 'error'), 'crash output is never filtered away');
  t.ok(lineAtLeast(line, undefined));
});

t.test('rendered for people: time, level, message, key=value fields; stacks on their own lines', async (t) => {
  const e = parseLogLine(
    JSON.stringify({
      level: 'warn',
      time: new Date(T).toISOString(),
      pid: 9,
      worker: 'local',
      reason: 'worker process exited (code 1)',
      delayMs: 200,
      msg: 'worker died; restarting',
    }),
  )!;
  t.equal(renderLogEntry(e, { utc: true }), '2025-03-01 12:00:00.123 WARN  worker died; restarting  worker=local reason="worker process exited (code 1)" delayMs=200');
  t.equal(
    renderLogLine(JSON.stringify({ level: 'error', time: T, msg: 'handler failed', method: 'ps', tags: ['a', 'b'], err: 'Error: x\n    at f (a.js:1:2)\n' }), { utc: true }),
    '2025-03-01 12:00:00.123 ERROR handler failed  method=ps tags=["a","b"]\n  err:\n    Error: x\n        at f (a.js:1:2)',
  );
  t.equal(renderLogLine('Segmentation fault'), 'Segmentation fault', 'other lines as they are');
  t.equal(renderLogEntry({ level: 'info', msg: 'no time', fields: {} }), `${'-'.padEnd(23)} INFO  no time`);
});

t.test('files rotate by size and keep N; the last lines are read back across them, by level', async (t) => {
  const dir = tmp(t);
  const file = path.join(dir, 'daemon.log');
  const log = createFileLogger({ file, maxBytes: 1024, keep: 3, level: 'debug' });
  for (let i = 0; i < 60; i++) log.log(i % 10 === 0 ? 'warn' : 'info', `line ${i}`, { task: `t${i}` });
  await log.close();
  const files = readdirSync(dir).sort();
  t.same(files, ['daemon.log', 'daemon.log.1', 'daemon.log.2', 'daemon.log.3'], 'the current file and 3 rotated ones');
  for (const f of files) t.ok(readFileSync(path.join(dir, f)).length <= 1024 + 200, `${f} is about the size limit`);

  const last = lastLogLines(file, 5).map((l) => parseLogLine(l)!.msg);
  t.same(last, ['line 55', 'line 56', 'line 57', 'line 58', 'line 59'], 'oldest first');
  const warns = lastLogLines(file, 3, 'warn').map((l) => parseLogLine(l)!.msg);
  t.same(warns, ['line 30', 'line 40', 'line 50'], 'reaching back into rotated files for enough lines at the level');
  const kept = lastLogLines(file, 1000);
  t.ok(kept.length < 60 && kept.length > 10, 'what rotation dropped is gone');
  t.same(
    kept.map((l) => Number(parseLogLine(l)!.msg.split(' ')[1])),
    [...Array(kept.length).keys()].map((i) => 60 - kept.length + i),
    'in order, without gaps',
  );
  t.same(lastLogLines(path.join(dir, 'nope.log'), 10), []);
  t.same(lastLogLines(file, 0), []);
});

t.test('following a log sees new lines, across a rotation', async (t) => {
  const dir = tmp(t);
  const file = path.join(dir, 'w.log');
  writeFileSync(file, 'old\n');
  const got: string[] = [];
  const f = followLog(file, (l) => got.push(l), { persistent: false });
  t.teardown(() => f.stop());
  appendFileSync(file, 'one\ntw');
  await waitFor('the first line', () => got.includes('one'));
  appendFileSync(file, 'o\n');
  await waitFor('the completed second line', () => got.includes('two'));
  renameSync(file, `${file}.1`);
  appendFileSync(`${file}.1`, 'late in the old file\n');
  writeFileSync(file, 'first of the new file\n');
  await waitFor('lines of both files', () => got.includes('first of the new file'), 5000);
  t.same(got, ['one', 'two', 'late in the old file', 'first of the new file'], 'the old file drained before the new one; nothing before the start');
});

t.test('a log file that cannot be written: lines go to stderr, and the file is tried again later', async (t) => {
  const dir = tmp(t);
  const sub = path.join(dir, 'logs');
  const { mkdirSync } = await import('node:fs');
  mkdirSync(sub);
  const file = path.join(sub, 'd.log');
  const errs: string[] = [];
  const write = process.stderr.write.bind(process.stderr);
  process.stderr.write = ((chunk: string) => (errs.push(String(chunk)), true)) as typeof process.stderr.write;
  t.teardown(() => void (process.stderr.write = write));
  const log = createFileLogger({ file, maxBytes: 1024, keep: 1, reopenAfterMs: 50 });
  log.info('first');
  await waitFor('the first line in the file', () => existsSync(file) && readFileSync(file, 'utf8').includes('first'));
  // A file where the directory was: the next rotation can neither rename into it nor make it again.
  rmSync(sub, { recursive: true, force: true });
  writeFileSync(sub, 'not a directory');
  for (let i = 0; i < 40; i++) log.info(`filler ${i} ${'x'.repeat(60)}`);
  await waitFor('the failure reported on stderr', () => errs.some((e) => /cannot write .*d\.log/.test(e)));
  log.info('while failing');
  t.ok(
    errs.some((e) => e.includes('while failing')),
    'lines go to stderr meanwhile',
  );
  rmSync(sub);
  mkdirSync(sub);
  await waitFor('the file again', () => {
    log.info('back');
    return existsSync(file) && readFileSync(file, 'utf8').includes('back');
  });
  await log.close();
  process.stderr.write = write;
});
