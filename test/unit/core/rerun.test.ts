// A rerun copies every field that defines the run. A field added to Task later must either be
// copied or be named here as per-run: the fully populated task below is Required<Task>, so it
// does not compile until the new field is set, and then the test says where it went.
import t from 'tap';
import type { Task } from '../../../src/protocol/model.js';
import { NOT_RERUN_FIELDS, PER_RUN_FIELDS, rerunDraft } from '../../../src/core/rerun.js';

const FULL: Required<Task> = {
  id: '1sc46g00',
  type: 'deploy',
  label: 'ci',
  priority: 7,
  env: { COMMAND: 'make deploy', STAGE: 'prod' },
  tags: ['gpu', 'sh', 'unix'],
  executor: 'sh',
  executorArgs: ['-c'],
  command: 'make deploy',
  files: [{ name: 'conf/app.ini', content: 'x=1\n' }],
  keepOutput: 'on_failure',
  runAs: { user: 'nobody', uid: 65534, gid: 65534, group: 'nogroup', home: '/nonexistent' },
  cwd: '/srv/app',
  callerEnv: { PATH: '/usr/bin:/bin', HOME: '/home/ada', TOKEN: 's3cret' },
  combinedOutput: true,
  timeout: 90,
  retries: 3,
  retryBackoff: 1500,
  maxConcurrent: 2,
  state: 'ERROR',
  reason: 'exited with code 2',
  attempt: 2,
  attempts: [{ attempt: 1, worker: 'w1', claimedAt: 1, startedAt: 2, endedAt: 3, pid: 10, outcome: 'ERROR', exitCode: 2, signal: null, reason: 'x' }],
  after: ['1sc46f00'],
  waitingOn: [],
  notBefore: 1000,
  createdAt: 1,
  updatedAt: 5,
  claimedAt: 2,
  startedAt: 3,
  endedAt: 4,
  worker: 'w1',
  host: 'h1',
  pid: 4242,
  pgid: 4242,
  pidStart: 99,
  exitCode: 2,
  signal: null,
  progress: { percent: 50, message: 'half', at: 3 },
  stopRequested: true,
  stopSignal: 'SIGINT',
  schedule: { name: 'nightly', fireAt: 1 },
  resultDir: '/tmp/results/1sc46g00',
  hooks: { on_failure: 'notify-send failed', on_success: 'true', on_finish: 'true' },
  notify: true,
};

t.test('every field of a task is copied by a rerun, or is named as not copied (and why)', async (t) => {
  const draft = rerunDraft(FULL) as unknown as Record<string, unknown>;
  const notCopied = new Set<string>([...PER_RUN_FIELDS, ...NOT_RERUN_FIELDS]);
  for (const key of Object.keys(FULL)) {
    const v = (FULL as Record<string, unknown>)[key];
    if (key === 'after') t.same(draft.after, [], 'dependencies have already run: the rerun waits for none');
    else if (notCopied.has(key)) t.notOk(key in draft, `${key} belongs to one run (or is not copied on purpose): not copied`);
    else t.same(draft[key], v, `${key} is copied`);
  }
  t.same(
    Object.keys(draft).filter((k) => !(k in FULL)),
    [],
    'nothing else is invented',
  );
  t.ok(PER_RUN_FIELDS.every((k) => k in FULL) && NOT_RERUN_FIELDS.every((k) => k in FULL), 'the lists name only fields of Task');
});

t.test('the copy shares nothing with the old record', async (t) => {
  const draft = rerunDraft(FULL);
  draft.tags.push('extra');
  draft.env.X = '1';
  draft.callerEnv!.Y = '2';
  t.same(FULL.tags, ['gpu', 'sh', 'unix']);
  t.notOk('X' in FULL.env);
  t.notOk('Y' in FULL.callerEnv);
});

t.test('optional fields the old task did not have stay absent', async (t) => {
  const { label: _l, cwd: _c, callerEnv: _e, hooks: _h, notify: _n, combinedOutput: _o, ...bare } = FULL;
  const draft = rerunDraft(bare as Task);
  for (const k of ['label', 'cwd', 'callerEnv', 'hooks', 'notify', 'combinedOutput']) t.notOk(k in draft, `${k} absent`);
});
