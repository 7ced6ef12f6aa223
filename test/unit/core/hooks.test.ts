import t from 'tap';
import { checkHookTemplate, hookEnv, hooksFor, hookValues, renderHook } from '../../../src/core/hooks.js';
import { parseTypeFile, resolveType, TypeFileError } from '../../../src/core/tasktype.js';
import type { Task } from '../../../src/protocol/model.js';

const task = {
  id: '1abc',
  type: 'greet',
  state: 'ERROR',
  exitCode: 3,
  signal: null,
  startedAt: 1000,
  endedAt: 13500,
  resultDir: '/r/1abc',
  attempt: 2,
  attempts: [
    { attempt: 1, worker: 'local' },
    { attempt: 2, worker: 'gpu' },
  ],
  worker: undefined,
  label: "it's",
  reason: 'exited with code 3',
} as unknown as Task;

t.test('which hooks fire for each final state', async (t) => {
  t.same(hooksFor('SUCCESS'), ['on_success', 'on_finish']);
  for (const s of ['ERROR', 'TIMEDOUT', 'LOST', 'SKIPPED'] as const) t.same(hooksFor(s), ['on_failure', 'on_finish'], s);
  t.same(hooksFor('STOPPED'), ['on_finish'], 'stopped by a person: not a failure');
});

t.test('hook templates may use the hook values only', async (t) => {
  t.equal(checkHookTemplate('echo {{ID}} {{raw STATE}} {{.EXIT_CODE}}', true), undefined, 'raw is allowed where the type says allow_raw');
  t.match(checkHookTemplate('echo {{raw OUTPUT}}'), /^\{\{raw OUTPUT\}\} would run the task's OUTPUT as shell code: write \{\{OUTPUT\}\}.*allow_raw = true/);
  t.match(checkHookTemplate('echo {{.OUTPUT}}'), /^\{\{\.OUTPUT\}\} would run/);
  t.match(checkHookTemplate('echo $(( {{EXIT_CODE}} + 1 ))'), /arithmetic/, 'a context with no safe reference is refused');
  t.match(checkHookTemplate('echo {{NAME}}'), /\{\{NAME\}\} is not a hook value \(known: ID, TYPE, STATE/);
  t.match(checkHookTemplate('echo {{ID'), undefined, 'an unclosed brace is plain text');
  t.match(checkHookTemplate('echo {{a b}}'), /not understood/);
  t.equal(checkHookTemplate('  '), 'must not be empty');
});

t.test('values of a finished task, referenced from the hook environment when rendered', async (t) => {
  const v = hookValues(task, 'on_failure', { output: "$(touch /tmp/x) `id` ' ;", stderr: 'err' });
  t.match(v, {
    ID: '1abc',
    TYPE: 'greet',
    STATE: 'ERROR',
    EXIT_CODE: '3',
    SIGNAL: '',
    DURATION: '12.5',
    RESULT_DIR: '/r/1abc',
    LABEL: "it's",
    ATTEMPT: '2',
    REASON: 'exited with code 3',
    WORKER: 'gpu',
    HOOK: 'on_failure',
    STDERR: 'err',
  });
  t.equal(renderHook('echo {{OUTPUT}} "{{LABEL}}"', v), 'echo "${BLANKET_TASK_OUTPUT}" "${BLANKET_TASK_LABEL}"', 'references to the hook environment, never the values');
  t.equal(hookValues(task, 'on_failure', { output: 'a\0b', stderr: '' }).OUTPUT, 'ab', 'a NUL in the output is dropped (no environment can carry it)');
  t.equal(renderHook('echo {{raw EXIT_CODE}}', v), 'echo 3');
  t.equal(hookEnv(v).BLANKET_TASK_STATE, 'ERROR');
  const never = hookValues({ ...task, state: 'SKIPPED', exitCode: undefined, startedAt: undefined, endedAt: 5, attempts: [] } as unknown as Task, 'on_finish', {
    output: '',
    stderr: '',
  });
  t.match(never, { EXIT_CODE: '', DURATION: '', WORKER: '' });
});

t.test('type files: hooks are checked with file:line and inherited one by one', async (t) => {
  const err = t.throws(() => parseTypeFile('x', 'x.toml', 'command = "true"\n\non_failure = "echo {{NOPE}}"\non_finish = 3\n')) as unknown as TypeFileError;
  t.type(err, TypeFileError);
  t.same(
    err.errors.map((e) => [e.line, e.message.split(':')[0]]),
    [
      [3, 'on_failure'],
      [4, 'on_finish'],
    ],
  );
  const base = parseTypeFile('base', 'base.toml', 'command = "true"\non_success = "echo ok {{ID}}"\non_finish = "echo base"\n');
  const leaf = parseTypeFile('leaf', 'leaf.toml', 'extends = "base"\non_finish = "echo leaf {{STATE}}"\n');
  t.same(resolveType(leaf, (n) => (n === 'base' ? base : undefined)).hooks, { on_success: 'echo ok {{ID}}', on_finish: 'echo leaf {{STATE}}' });
  t.notOk('hooks' in resolveType(parseTypeFile('plain', 'p.toml', 'command = "true"'), () => undefined), 'no hooks: no field');
});
