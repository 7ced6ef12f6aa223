import t from 'tap';
import { captureEnv, withoutCallerEnv } from '../../../src/core/callerenv.js';
import { baseTask } from '../../helpers/tasks.js';

t.test('captureEnv keeps the caller’s variables, not blanket’s plumbing', async (t) => {
  const env = captureEnv({
    PATH: '/bin',
    NODE_OPTIONS: '--max-old-space-size=4096',
    BLANKET_HOME: '/h',
    'BASH_FUNC_module%%': '() { :; }',
    BLANKET_APP_TASK_ID: '1sc46g00',
    BLANKET_APP_ATTEMPT: '1',
    BLANKET_READY_FD: '3',
    BLANKET_WORKER_ID: 'w',
    UNSET: undefined,
  });
  t.same(env, { PATH: '/bin', NODE_OPTIONS: '--max-old-space-size=4096', BLANKET_HOME: '/h', 'BASH_FUNC_module%%': '() { :; }' });
});

t.test('withoutCallerEnv drops the values and changes nothing else', async (t) => {
  const plain = baseTask();
  t.equal(withoutCallerEnv(plain), plain, 'a task without one is passed as is');
  const withEnv = baseTask({ callerEnv: { TOKEN: 'x' }, cwd: '/p' });
  const out = withoutCallerEnv(withEnv);
  t.notOk('callerEnv' in out);
  t.same(out, baseTask({ cwd: '/p' }));
  t.same(withEnv.callerEnv, { TOKEN: 'x' }, 'the stored record is untouched');
});
