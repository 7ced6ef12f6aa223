// {{NAME}} through a real daemon and worker: the exact repro, parameters named like
// variables the shell or the worker set, NUL values, reserved names and unknown executors.
import { existsSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { jsonError } from '../helpers/cli.js';
import { TestHome } from '../helpers/home.js';

t.test('{{NAME}} end to end', async (t) => {
  const h = new TestHome(t, {
    workers: 2,
    types: {
      hi: `command = 'echo "hi {{NAME}}"'\n[[environment.required]]\nname = "NAME"\n`,
      clash: `command = '''printf '[%s]' {{IFS}} "{{PWD}}" '{{BLANKET_APP_ATTEMPT}}' {{OPT}} {{SHLVL}}'''\n[[environment.required]]\nname = "IFS"\n[[environment.required]]\nname = "PWD"\n[[environment.required]]\nname = "BLANKET_APP_ATTEMPT"\n[[environment.default]]\nname = "SHLVL"\nvalue = "default-shlvl"\n[[environment.optional]]\nname = "OPT"\n`,
      py: `executor = "python3"\ncommand = 'import sys; sys.stdout.write("<" + {{NAME}} + ">")'\n[[environment.required]]\nname = "NAME"\n`,
    },
  });
  const pwned = path.join(h.dir, 'PWNED');
  const output = async (id: string) => h.ok(['logs', id]);

  await t.test('the issue: echo "hi {{NAME}}" with NAME=$(touch …) prints the value and runs nothing', async (t) => {
    const value = `$(touch ${pwned}) \`touch ${pwned}\` '; touch ${pwned}; '`;
    const id = (await h.ok(['run', 'hi', '-q', '-e', `NAME=${value}`])).trim();
    t.equal((await h.run(['wait', id])).code, 0);
    t.equal(await output(id), `hi ${value}\n`);
    t.notOk(existsSync(pwned), 'no file was created');
  });

  await t.test('a parameter named like a variable the shell or the worker sets reads exactly its submitted value', async (t) => {
    const id = (await h.ok(['run', 'clash', '-q', '-e', 'IFS=x y', '-e', 'PWD=/not/here', '-e', 'BLANKET_APP_ATTEMPT=mine'])).trim();
    t.equal((await h.run(['wait', id])).code, 0);
    t.equal(await output(id), '[x y][/not/here][mine][][default-shlvl]');
  });

  await t.test('python3 reads {{NAME}} from the environment', async (t) => {
    const value = `"); import os; os.system("touch ${pwned}"); ("`;
    const id = (await h.ok(['run', 'py', '-q', '-e', `NAME=${value}`])).trim();
    t.equal((await h.run(['wait', id])).code, 0);
    t.equal(await output(id), `<${value}>`);
    t.notOk(existsSync(pwned));
  });

  await t.test('refused at submit, with nothing queued: NUL, BLANKET_V_ names', async (t) => {
    const c = await h.client();
    const before = (await h.ok(['ps', '-q', '-t', 'hi', '-n', '1000'])).trim();
    await t.rejects(c.call('run', { type: 'hi', env: { NAME: 'a\0b' } }), { code: 'BAD_ENV', message: /NAME contains a NUL character/ });
    jsonError(t, await h.run(['run', 'hi', '--json', '-e', 'NAME=x', '-e', 'BLANKET_V_NAME=y']), 'BAD_ENV');
    t.equal((await h.ok(['ps', '-q', '-t', 'hi', '-n', '1000'])).trim(), before, 'nothing was queued');
  });

  await t.test('an unknown executor is reported by types validate, naming how to run another program', async (t) => {
    const { writeFileSync } = await import('node:fs');
    writeFileSync(path.join(h.paths.typesDir, 'tcl.toml'), 'executor = "tclsh"\ncommand = "puts hi"\n');
    const bad = await h.run(['types', 'validate', path.join(h.paths.typesDir, 'tcl.toml')]);
    t.equal(bad.code, 1);
    t.match(bad.stdout + bad.stderr, /tcl\.toml:1: executor: unknown executor "tclsh".*set executor = "bash" and command = "tclsh …"/);
  });
});
