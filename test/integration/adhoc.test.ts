// An ad-hoc command runs where and as it was submitted: the submitter's directory and
// environment; typed tasks keep their cwd rule and the worker's environment.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import t from 'tap';
import type { Task } from '../../src/protocol/model.js';
import { BIN, TestHome, testEnv, waitFor } from '../helpers/home.js';

/** A project directory of the test's own, with a marker file. */
function project(t: { teardown(fn: () => void): void }): string {
  const dir = realpathSync(mkdtempSync(path.join(os.tmpdir(), 'bk-proj-')));
  writeFileSync(path.join(dir, 'marker'), '');
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const SECRET = 'tok-3f9a1c-not-for-show';

t.test('run -- CMD runs in the directory it was submitted from, with that shell’s environment', async (t) => {
  const h = new TestHome(t, { workers: 1 });
  const dir = project(t);
  const env = { BK_PROJECT_SECRET: SECRET };
  const r = await h.run(['run', '--follow', '--', 'sh', '-c', 'pwd; test -f marker && echo marker-here; echo "secret=$BK_PROJECT_SECRET"'], { cwd: dir, env });
  t.equal(r.code, 0, `it ran in ${dir} (stderr: ${r.stderr})`);
  t.equal(r.stdout, `${dir}\nmarker-here\nsecret=${SECRET}\n`);

  const id = (await h.run(['run', '-q', '--', 'true'], { cwd: dir, env })).stdout.trim();
  const done = await h.waitState(id, ['SUCCESS']);
  t.equal(done.cwd, dir, 'the task records the directory');

  const shown = await h.ok(['show', id]);
  t.match(shown, new RegExp(`cwd +${dir}\\n`), 'show prints it');
  t.match(shown, /base env +the submitter's \(\d+ variables; names in --json\)/, 'show says the environment is the submitter’s');
  const json = await h.json(['show', id]);
  t.equal(json.task.cwd, dir);
  t.ok(json.callerEnvNames.includes('BK_PROJECT_SECRET'), 'show --json names the variables');
  t.notOk('callerEnv' in json.task, 'but not their values');
  t.notOk(
    json.callerEnvNames.some((n: string) => n.startsWith('BLANKET_APP_')),
    'blanket’s per-task variables are not captured',
  );
  for (const [what, text] of [
    ['show', shown],
    ['show --json', JSON.stringify(json)],
    ['ps --json', await h.ok(['ps', '--json'])],
    ['ps', await h.ok(['ps'])],
    ['task.json', readFileSync(path.join(done.resultDir, 'task.json'), 'utf8')],
  ] as const) {
    t.notOk(text.includes(SECRET), `${what} does not print a captured value`);
  }
});

t.test("the README's example: cd myproj && blanket run --wait -- make test", { skip: spawnSync('make', ['--version']).status === 0 ? false : 'no make here' }, async (t) => {
  const h = new TestHome(t, { workers: 1 });
  const dir = project(t);
  writeFileSync(path.join(dir, 'Makefile'), 'test:\n\ttest -f marker\n\ttouch tested\n');
  const r = await h.run(['run', '--wait', '--', 'make', 'test'], { cwd: dir });
  t.equal(r.code, 0, r.stderr);
  t.ok(existsSync(path.join(dir, 'tested')), 'make ran the project’s Makefile, in the project');
});

t.test('run --cwd is read from the submitter’s directory; a directory gone at run time ends the task ERROR', async (t) => {
  const h = new TestHome(t, { workers: false });
  const dir = project(t);
  mkdirSync(path.join(dir, 'sub'));
  const inSub = JSON.parse((await h.run(['run', '--json', '--cwd', 'sub', '--', 'pwd'], { cwd: dir })).stdout).task as Task;
  t.equal(inSub.cwd, path.join(dir, 'sub'), 'relative --cwd: from where the CLI runs');
  const gone = path.join(dir, 'gone');
  mkdirSync(gone);
  const doomed = JSON.parse((await h.run(['run', '--json', '--', 'touch', 'here'], { cwd: gone })).stdout).task as Task;
  rmSync(gone, { recursive: true });
  await h.ok(['worker', 'start', '--tags', 'sh,unix', '--name', 'late']);
  const failed = await h.waitState(doomed.id, ['ERROR', 'SUCCESS']);
  t.equal(failed.state, 'ERROR', 'not run somewhere else');
  t.equal(failed.reason, `the working directory ${gone} does not exist`);
  t.notOk(existsSync(path.join(failed.resultDir, 'here')), 'nothing ran in the result directory instead');
  t.equal((await h.waitState(inSub.id, ['SUCCESS'])).state, 'SUCCESS');
  t.equal(readFileSync(path.join(inSub.resultDir, 'stdout.log'), 'utf8'), `${path.join(dir, 'sub')}\n`);
});

t.test('a CLI whose own directory is gone is refused and queues nothing', async (t) => {
  const h = new TestHome(t, { workers: false });
  const dir = project(t);
  const doomed = path.join(dir, 'doomed');
  mkdirSync(doomed);
  // (tap's process hooks put NODE_OPTIONS back into the environment; they need a working directory.)
  const r = spawnSync('sh', ['-c', 'cd "$1" && rmdir "$1" && unset NODE_OPTIONS && exec "$2" "$3" run --json -- true', 'sh', doomed, process.execPath, BIN], {
    env: testEnv(h.dir),
    encoding: 'utf8',
    timeout: 30_000,
  });
  t.equal(r.status, 2, r.stderr);
  const error = JSON.parse(r.stdout).error;
  t.equal(error.code, 'USAGE');
  t.equal(error.message, 'the current directory no longer exists');
  t.match(error.hint, /cd to an existing directory/);
  t.same((await h.json(['ps'])).queued, [], 'nothing queued');
});

t.test('typed tasks keep their cwd rule and the worker’s environment', async (t) => {
  const h = new TestHome(t, {
    workers: 1,
    types: { here: 'executor = "sh"\ncwd = "sub"\ncommand = "pwd; echo \\"v=${BK_CALLER_ONLY:-unset}\\""\n[[files]]\nname = "sub/keep"\ncontent = ""\n' },
  });
  const dir = project(t);
  await h.ok(['daemon', 'start']); // not by the CLI below: a daemon takes the environment it is started in
  const r = await h.run(['run', '--follow', 'here'], { cwd: dir, env: { BK_CALLER_ONLY: 'x' } });
  t.equal(r.code, 0, r.stderr);
  const [pwd, v] = r.stdout.trim().split('\n');
  t.match(pwd, /\/results\/[0-9a-z]+\/sub$/, 'the type’s cwd, relative to the result dir');
  t.equal(v, 'v=unset', 'the submitter’s environment is not a typed task’s');
});

t.test('run --batch: ad-hoc lines run where and as the batch was submitted; schedules record the directory', async (t) => {
  const h = new TestHome(t, { workers: 1 });
  const dir = project(t);
  const lines = [{ type: 'shell', env: { COMMAND: 'pwd; echo "$BK_BATCH_VAR"' } }, { type: 'shell', env: { COMMAND: 'pwd' }, cwd: 'sub' }, { type: 'echo_task' }];
  mkdirSync(path.join(dir, 'sub'));
  const r = await h.run(['run', '--batch', '-', '-q'], { cwd: dir, env: { BK_BATCH_VAR: 'from-batch' }, input: lines.map((l) => JSON.stringify(l)).join('\n') + '\n' });
  t.equal(r.code, 0, r.stderr);
  const [a, b, c] = r.stdout.trim().split('\n');
  const ta = await h.waitState(a!, ['SUCCESS']);
  const tb = await h.waitState(b!, ['SUCCESS']);
  const tc = await h.waitState(c!, ['SUCCESS']);
  t.equal(readFileSync(path.join(ta.resultDir, 'stdout.log'), 'utf8'), `${dir}\nfrom-batch\n`);
  t.equal(tb.cwd, path.join(dir, 'sub'), 'a relative cwd of an ad-hoc line is read from the submitter’s directory');
  t.equal(tc.cwd, undefined, 'a typed line keeps its type’s rule');

  await h.run(['schedule', 'add', 'here', '--cron', '0 0 1 1 *', '--paused', '--', 'pwd'], { cwd: dir });
  t.equal((await h.json(['schedule', 'show', 'here'])).schedule.task.cwd, dir, 'schedule add records the directory');
  const fired = (await h.json(['schedule', 'trigger', 'here'])).task as Task;
  const done = await waitFor('the fire to end', async () => {
    const x = await h.task(fired.id);
    return x.state === 'SUCCESS' ? x : undefined;
  });
  t.equal(readFileSync(path.join(done.resultDir, 'stdout.log'), 'utf8'), `${dir}\n`);
});
