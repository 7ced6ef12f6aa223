// executor = [PROGRAM, ARGS…]: the rendered command is the last argument, {{NAME}} is rendered
// for the shell the list ends in, and a list that does not end in a known shell is refused.
// A stand-in for `docker run --rm IMAGE sh -c CMD` (test/fixtures/fake-docker) plays Docker.
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { jsonError } from '../helpers/cli.js';
import { ROOT, TestHome } from '../helpers/home.js';

const DOCKER = path.join(ROOT, 'test', 'fixtures', 'fake-docker');

t.test('executors with arguments', async (t) => {
  const h = new TestHome(t, {
    workers: 2,
    types: {
      boxed: `executor = ["${DOCKER}", "run", "--rm", "alpine", "sh", "-c"]\ncommand = "printf '[%s]\\\\n' {{MSG}} \\"{{MSG}}\\""\n[[environment.required]]\nname = "MSG"\n`,
      nocmd: `executor = ["${DOCKER}", "run", "--rm", "alpine"]\ncommand = "echo hi"\n`,
    },
  });
  const pwned = path.join(h.dir, 'PWNED');

  await t.test('the command is the last argument, rendered safely for the shell the list ends in', async (t) => {
    const value = `$(touch ${pwned}) \`touch ${pwned}\` '; touch ${pwned}; ' "x"`;
    const r = await h.run(['run', 'boxed', '--wait', '-q', '-e', `MSG=${value}`]);
    t.equal(r.code, 0, r.stderr);
    const id = (await h.ok(['ps', '-q', '--type', 'boxed'])).trim();
    t.equal(await h.ok(['logs', id]), `[${value}]\n[${value}]\n`, 'the value, exactly, twice');
    t.equal(await h.ok(['logs', id, '--stderr']), 'fake-docker: image alpine, 3 arguments\n', 'the stand-in got sh -c CMD after the image');
    t.notOk(existsSync(pwned), 'nothing in the value ran');
    const task = await h.task(id);
    t.equal(task.executor, DOCKER);
    t.same(task.executorArgs, ['run', '--rm', 'alpine', 'sh', '-c']);
    t.match(await h.ok(['show', id]), /executor\s+\[".*fake-docker", "run", "--rm", "alpine", "sh", "-c"\]/);
    const info = (await h.json(['types', 'show', 'boxed'])) as { type?: { executorArgs?: string[] }; executorArgs?: string[] };
    t.same((info.type ?? info).executorArgs, ['run', '--rm', 'alpine', 'sh', '-c'], 'types show --json');
    t.match(await h.ok(['types', 'export', 'boxed']), /^executor = \[".*fake-docker", "run", "--rm", "alpine", "sh", "-c"\]$/m, 'export writes the list');
  });

  await t.test('a list that does not end in a known shell and its flag is refused, at load and by validate', async (t) => {
    const v = await h.run(['types', 'validate', '--json']);
    const out = JSON.parse(v.stdout) as { ok: boolean; errors: { file: string; line?: number; message: string }[] };
    t.not(v.code, 0);
    t.notOk(out.ok);
    const e = out.errors.find((x) => x.file.endsWith('nocmd.toml'));
    t.match(e, { line: 1, message: /^executor: .*must end in a shell blanket knows and its command flag, e\.g\. \["docker", "run", "--rm", "alpine", "sh", "-c"\]/ });
    const r = await h.run(['run', 'nocmd', '--json']);
    jsonError(t, r, 'UNKNOWN_TYPE');
    const file = path.join(h.dir, 'boxed2.toml');
    writeFileSync(file, 'executor = ["docker", "run", "alpine", "bash"]\ncommand = "true"\n');
    const one = await h.run(['types', 'validate', file]);
    t.equal(one.code, 1);
    t.match(one.stdout, /error: .*boxed2\.toml:1: executor: \["docker", "run", "alpine", "bash"\]: the command is given to the last program in the list/);
  });
});
