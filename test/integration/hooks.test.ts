// Hooks fire when tasks end, with the task's values passed as data (references to variables), never as code;
// they time out, are logged, and never run a task's output as code.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { parseLogLine } from '../../src/core/logline.js';
import { lastLogLines } from '../../src/os/logfiles.js';
import { TestHome, waitFor } from '../helpers/home.js';

t.test('hooks', async (t) => {
  const h = new TestHome(t, { workers: 2 });
  const out = (name: string) => path.join(h.dir, `${name}.out`);
  const pwned = path.join(h.dir, 'pwned');
  // A line of output full of shell syntax: it reaches the hook as text and never runs.
  const evil = `$(touch ${pwned}) \`touch ${pwned}\` '; touch ${pwned}; '`;
  const types = {
    noisy: `command = "printf '%s\\\\n' \\"$MSG\\"; exit 3"\non_failure = "printf '%s|%s|%s|%s|%s\\\\n' {{ID}} {{STATE}} {{EXIT_CODE}} {{HOOK}} {{OUTPUT}} > ${out('noisy')}"\non_success = "touch ${out('wrong')}"\n[[environment.required]]\nname = "MSG"\n`,
    fine: `command = "true"\non_success = "echo \\"$BLANKET_TASK_ID $BLANKET_TASK_STATE\\" {{DURATION}} > ${out('fine')}"\n`,
  };
  const { writeFileSync, mkdirSync } = await import('node:fs');
  mkdirSync(h.paths.typesDir, { recursive: true });
  for (const [n, text] of Object.entries(types)) writeFileSync(path.join(h.paths.typesDir, `${n}.toml`), text);
  writeFileSync(h.paths.config, `[worker]\nslots = 2\n[hooks]\non_finish = "echo {{ID}} {{STATE}} >> ${out('global')}"\ntimeout = "1s"\n`);
  const log = () =>
    lastLogLines(path.join(h.paths.logs, 'daemon.log'), 1000)
      .map((l) => parseLogLine(l)!)
      .filter(Boolean);

  await t.test('on_failure gets the values quoted; the output is text, never run', async (t) => {
    const r = await h.run(['run', 'noisy', '-e', `MSG=${evil}`, '--wait']);
    t.equal(r.code, 3, r.stderr);
    const id = (await h.ok(['ps', '-q', '--type', 'noisy'])).trim();
    const line = await waitFor('the on_failure hook', () => existsSync(out('noisy')) && readFileSync(out('noisy'), 'utf8'));
    t.equal(line, `${id}|ERROR|3|on_failure|${evil}\n`, 'every value exactly as it was');
    t.notOk(existsSync(pwned), 'nothing in the output ran');
    t.notOk(existsSync(out('wrong')), 'on_success did not fire for a failure');
    const ran = await waitFor('the hook line in the daemon log', () => log().find((e) => e.msg === 'hook ran' && e.fields.task === id && e.fields.hook === 'on_failure'));
    t.match(ran.fields, { source: 'type', exitCode: 0, durationMs: Number, command: String });
    t.ok(
      log().some((e) => e.msg === 'task ended' && e.fields.task === id && e.fields.state === 'ERROR' && e.fields.exitCode === 3),
      'the ending is logged with the task id',
    );
  });

  await t.test('on_success gets them in its environment too; the global on_finish runs for every task', async (t) => {
    t.equal((await h.run(['run', 'fine', '--wait'])).code, 0);
    const id = (await h.ok(['ps', '-q', '--type', 'fine'])).trim();
    const text = await waitFor('the on_success hook', () => existsSync(out('fine')) && readFileSync(out('fine'), 'utf8'));
    t.match(text, new RegExp(`^${id} SUCCESS \\d+(\\.\\d+)?\\n$`));
    const noisy = (await h.ok(['ps', '-q', '--type', 'noisy'])).trim();
    const global = await waitFor('both global hooks', () => {
      const g = existsSync(out('global')) ? readFileSync(out('global'), 'utf8') : '';
      return g.includes(id) && g.includes(noisy) && g;
    });
    t.match(global, `${noisy} ERROR\n`);
    t.match(global, `${id} SUCCESS\n`);
  });

  await t.test('a hook that runs too long is stopped, and says so in the log', async (t) => {
    writeFileSync(path.join(h.paths.typesDir, 'stuck.toml'), 'command = "true"\non_success = "sleep 60 & sleep 60"\n');
    await waitFor('the type', async () => (await h.run(['types', 'show', 'stuck'])).code === 0);
    t.equal((await h.run(['run', 'stuck', '--wait'])).code, 0);
    const id = (await h.ok(['ps', '-q', '--type', 'stuck'])).trim();
    const e = await waitFor('the timeout line', () => log().find((e) => /^hook timed out/.test(e.msg) && e.fields.task === id), 15_000);
    t.equal(e.level, 'warn');
    t.equal(e.fields.signal, 'SIGTERM');
  });

  await t.test('run --notify: a notification (a log line where notify-send is missing)', async (t) => {
    const r = await h.run(['run', '--notify', '--wait', '--', 'true'], { env: { PATH: '/usr/bin:/bin' } });
    t.equal(r.code, 0);
    const id = (await h.ok(['ps', '-q', '--type', 'shell', '-n', '1'])).trim();
    t.equal((await h.task(id)).notify, true);
    const e = await waitFor('the notification', () => log().find((e) => (e.msg === 'notification' || e.fields.hook === 'notify') && e.fields.task === id));
    if (e.msg === 'notification') t.match(e.fields, { title: 'blanket: shell SUCCESS', body: new RegExp(`^task ${id} SUCCESS`) });
    else t.pass('notify-send is installed here and ran');
  });

  await t.test('a bad hook in a type file is reported with file:line', async (t) => {
    writeFileSync(path.join(h.paths.typesDir, 'badhook.toml'), 'command = "true"\n\non_finish = "echo {{NAME}}"\n');
    const v = await waitFor('the error', async () => {
      const r = await h.run(['types', 'validate', path.join(h.paths.typesDir, 'badhook.toml')]);
      return r.code === 1 && r.stdout;
    });
    t.match(v, /badhook\.toml:3: on_finish: \{\{NAME\}\} is not a hook value/);
  });
});
