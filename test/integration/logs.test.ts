// daemon logs / worker logs against a real daemon: rendered for people, filtered by level, raw with --json, followed.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { parseLogLine } from '../../src/core/logline.js';
import { TestHome, waitFor } from '../helpers/home.js';

t.test('daemon and worker logs', async (t) => {
  const h = new TestHome(t, { types: { broken: 'command = "true"\ntimeout = "soon"\n' } });
  t.equal((await h.run(['run', '--wait', '--', 'true'])).code, 0);

  await t.test('daemon logs: rendered lines, no JSON', async (t) => {
    const out = await h.ok(['daemon', 'logs', '-n', '100']);
    t.match(out, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} INFO  ready  socket=/m);
    t.match(out, /WARN  task type .*broken\.toml is invalid/);
    t.notMatch(out, /^\{/m, 'no raw JSON');
  });

  await t.test('--level warn keeps warnings and errors only', async (t) => {
    const out = await h.ok(['daemon', 'logs', '--level', 'warn']);
    t.match(out, /WARN  task type/);
    t.notMatch(out, / INFO /);
  });

  await t.test('--json prints the stored lines: one object each, with pid and level', async (t) => {
    const lines = (await h.ok(['daemon', 'logs', '-n', '3', '--json'])).trim().split('\n');
    t.equal(lines.length, 3);
    for (const l of lines) t.match(JSON.parse(l), { level: String, time: String, pid: Number, msg: String });
  });

  await t.test('worker logs: the worker id on every line, task ids on task lines', async (t) => {
    const r = await h.json(['worker', 'logs', 'local']);
    const entries = r.text
      .trim()
      .split('\n')
      .map((l: string) => parseLogLine(l)!);
    t.ok(entries.length >= 3);
    t.ok(
      entries.every((e: { fields: Record<string, unknown> }) => e.fields.worker === 'local'),
      'worker on every line',
    );
    const taskLines = entries.filter((e: { msg: string }) => /^task /.test(e.msg));
    t.ok(taskLines.length >= 2 && taskLines.every((e: { fields: Record<string, unknown> }) => typeof e.fields.task === 'string'), 'task on task lines');
    const human = await h.ok(['worker', 'logs', 'local']);
    t.match(human, /INFO  task finished  worker=local task=\w+ exitCode=0/);
    t.equal((await h.ok(['worker', 'logs', 'local', '--level', 'error'])).trim(), '', 'no errors');
  });

  await t.test('daemon logs -f prints new lines as they come', async (t) => {
    const child = h.spawn(['daemon', 'logs', '-f', '-n', '0', '--level', 'warn']);
    let out = '';
    child.stdout!.on('data', (d) => (out += d));
    // follow is set up once the command runs; keep breaking a type file until a line shows
    await waitFor(
      'a followed warning',
      () => {
        writeFileSync(path.join(h.paths.typesDir, 'also_broken.toml'), `command = 1 # ${Date.now()}\n`);
        return /also_broken\.toml is invalid/.test(out);
      },
      20_000,
    );
    t.notMatch(out, /broken\.toml is invalid[\s\S]*\n.*\/broken\.toml/, 'older lines were not printed (-n 0)');
    child.kill('SIGINT');
    await new Promise((r) => child.on('close', r));
  });
});
