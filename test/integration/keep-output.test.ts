// keep_output (per type) and run --keep-output (any task, ad-hoc too): on_failure removes the
// output of a task that ends SUCCESS (after its hooks read {{OUTPUT}}), keeps a failure's;
// never writes none, while progress and the exit status still come through. logs then
// answers OUTPUT_NOT_KEPT instead of an empty success.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { jsonError } from '../helpers/cli.js';
import { TestHome, waitFor } from '../helpers/home.js';

t.test('output policy', async (t) => {
  const h = new TestHome(t, { workers: 2 });
  const hookOut = path.join(h.dir, 'hook.out');
  const { mkdirSync } = await import('node:fs');
  mkdirSync(h.paths.typesDir, { recursive: true });
  writeFileSync(
    path.join(h.paths.typesDir, 'lean.toml'),
    `keep_output = "on_failure"\ncommand = "echo out-$CODE; echo err-$CODE >&2; echo kept > artifact.txt; exit $CODE"\non_success = "printf '%s' {{OUTPUT}} > ${hookOut}"\n[[environment.default]]\nname = "CODE"\nvalue = "0"\n`,
  );

  await t.test('on_failure: a success has its output removed; logs says so with a code; hooks still got it', async (t) => {
    t.equal((await h.run(['run', 'lean', '--wait'])).code, 0);
    const id = (await h.ok(['ps', '-q', '--type', 'lean'])).trim();
    const task = await h.task(id);
    t.equal(task.keepOutput, 'on_failure', 'the task records its policy');
    t.equal(await waitFor('the on_success hook', () => existsSync(hookOut) && readFileSync(hookOut, 'utf8')), 'out-0', '{{OUTPUT}} was read before the output went');
    await waitFor('the output to be removed', () => !existsSync(path.join(task.resultDir, 'stdout.log')) && !existsSync(path.join(task.resultDir, 'stderr.log')));
    t.equal(readFileSync(path.join(task.resultDir, 'artifact.txt'), 'utf8'), 'kept\n', 'files the task wrote itself stay');
    const e = jsonError(t, await h.run(['logs', id, '--json']), 'OUTPUT_NOT_KEPT');
    t.match(e.message, /ended SUCCESS and keeps output only on failure \(keep_output = "on_failure"\): its output was removed/);
    t.match(e.hint, /--keep-output always/);
    const human = await h.run(['logs', id]);
    t.equal(human.code, 1);
    t.equal(human.stdout, '', 'no empty success');
    t.match(human.stderr, /code: OUTPUT_NOT_KEPT/);
    t.match(await h.ok(['show', id]), /keep output\s+on_failure/);
    const ps = (await h.json(['ps'])) as { finished: { id: string; keepOutput?: string }[] };
    t.equal(ps.finished.find((x) => x.id === id)?.keepOutput, 'on_failure', 'ps --json says the policy');
  });

  await t.test('on_failure: a failure keeps its output', async (t) => {
    const r = await h.run(['run', 'lean', '-e', 'CODE=3', '--wait', '-q']);
    t.equal(r.code, 3);
    const id = (await h.ok(['ps', '-q', '--type', 'lean', '--state', 'ERROR'])).trim();
    t.equal(await h.ok(['logs', id]), 'out-3\n');
    t.equal(await h.ok(['logs', id, '--stderr']), 'err-3\n');
  });

  await t.test('run --keep-output overrides the type; always keeps a success', async (t) => {
    const id = await h.submit(['lean', '--keep-output', 'always']);
    await h.waitState(id, ['SUCCESS']);
    t.equal((await h.task(id)).keepOutput, 'always');
    t.equal(await h.ok(['logs', id]), 'out-0\n');
    const again = (await h.json(['rerun', id, '-e', 'CODE=0'])) as { task: { id: string; keepOutput?: string } };
    t.equal(again.task.keepOutput, 'always', 'a rerun with new values keeps the policy the task was run with');
    t.equal((await h.json(['rerun', id])).task.keepOutput, 'always', 'so does a plain rerun');
  });

  await t.test('never (an ad-hoc task): nothing written, progress and the exit code still come through', async (t) => {
    const id = await h.submit([
      '--keep-output',
      'never',
      '--',
      'sh',
      '-c',
      'd=$BLANKET_APP_TASK_RESULTS_DIRECTORY; echo secret; echo "40 halfway" > "$d/.progress"; while [ ! -e "$d/go" ]; do sleep 0.05; done; exit 4',
    ]);
    const task = await waitFor('progress', async () => {
      const x = await h.task(id);
      return x.progress ? x : undefined;
    });
    t.match(task.progress, { percent: 40, message: 'halfway' });
    t.equal(task.keepOutput, 'never');
    writeFileSync(path.join(task.resultDir, 'go'), '');
    const done = await h.waitState(id, ['ERROR']);
    t.equal(done.exitCode, 4);
    t.notOk(existsSync(path.join(task.resultDir, 'stdout.log')), 'no stdout.log');
    t.notOk(existsSync(path.join(task.resultDir, 'stderr.log')), 'no stderr.log');
    const e = jsonError(t, await h.run(['logs', id, '--json']), 'OUTPUT_NOT_KEPT');
    t.match(e.message, /keeps no output \(keep_output = "never"\)/);
    jsonError(t, await h.run(['logs', id, '-f', '--json']), 'OUTPUT_NOT_KEPT');
  });

  await t.test('run --follow with never waits for the end and exits with its code', async (t) => {
    const r = await h.run(['run', '--keep-output', 'never', '--follow', '--', 'sh', '-c', 'echo hidden; exit 5']);
    t.equal(r.code, 5, r.stderr);
    t.notMatch(r.stdout, /hidden/);
  });

  await t.test('--help and completion offer the policies', async (t) => {
    t.match(await h.ok(['run', '--help']), /--keep-output=POLICY\s+What to keep of its output/);
    const r = await h.run(['__complete', 'run', '--keep-output', '']);
    t.same(r.stdout.split('\n').filter(Boolean), ['always', 'on_failure', 'never']);
  });

  await t.test('a bad policy is a usage error that submits nothing', async (t) => {
    const before = (await h.ok(['ps', '-q', '-n', '1000'])).trim();
    const r = await h.run(['run', '--keep-output', 'sometimes', '--', 'true']);
    t.equal(r.code, 2, r.stderr);
    t.match(r.stderr, /always, on_failure, never|on_failure/);
    t.equal((await h.ok(['ps', '-q', '-n', '1000'])).trim(), before);
  });
});
