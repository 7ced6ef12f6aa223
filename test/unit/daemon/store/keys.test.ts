import t from 'tap';
import { escapeLabel, groupOf, idOf, indexKeys, isRunnable, pad, parseGroup, prioKey, range } from '../../../../src/daemon/store/keys.js';
import { taskIn } from '../../../helpers/tasks.js';

t.test('index keys follow the record', async (t) => {
  const id = '1sc46g00';
  const table: Array<[string, ReturnType<typeof taskIn>, string[]]> = [
    ['runnable', taskIn('WAITING'), [`s!WAITING!${id}`, `ts!echo_task!WAITING!${id}`, `q!bash,unix|echo_task!1000000!${id}`]],
    ['not before', taskIn('WAITING', { notBefore: 5 }), [`s!WAITING!${id}`, `ts!echo_task!WAITING!${id}`, `n!000000000000005!${id}`]],
    [
      'blocked, with a label',
      taskIn('WAITING', { after: ['a'], waitingOn: ['a'], label: 'x!y%z' }),
      [`s!WAITING!${id}`, `ts!echo_task!WAITING!${id}`, `ls!x%21y%25z!WAITING!${id}`, `b!${id}`, `d!a!${id}`],
    ],
    ['claimed', taskIn('CLAIMED'), [`s!CLAIMED!${id}`, `ts!echo_task!CLAIMED!${id}`, `w!w1!${id}`]],
    ['running', taskIn('RUNNING', { priority: 7 }), [`s!RUNNING!${id}`, `ts!echo_task!RUNNING!${id}`, `w!w1!${id}`]],
    ['finished', taskIn('ERROR', { after: ['a'] }), [`s!ERROR!${id}`, `ts!echo_task!ERROR!${id}`, `f!${pad(taskIn('ERROR').endedAt!)}!${id}`, `d!a!${id}`]],
  ];
  for (const [name, task, want] of table) t.same(indexKeys(task), want, name);
  t.ok(isRunnable(taskIn('WAITING')));
  t.notOk(isRunnable(taskIn('WAITING', { notBefore: 1 })));
  t.notOk(isRunnable(taskIn('CLAIMED')));
});

t.test('priority keys sort higher priority first', async (t) => {
  const prios = [1_000_000, 10, 1, 0, -1, -10, -1_000_000];
  const keys = prios.map(prioKey);
  t.same([...keys].sort(), keys);
  t.ok(keys.every((k) => k.length === 7));
});

t.test('groups round-trip and ignore tag order', async (t) => {
  t.equal(groupOf({ tags: ['unix', 'bash'], type: 'echo' }), 'bash,unix|echo');
  t.same(parseGroup('bash,unix|echo'), { tags: ['bash', 'unix'], type: 'echo' });
  t.same(parseGroup(groupOf({ tags: [], type: 'x' })), { tags: [], type: 'x' });
});

t.test('helpers', async (t) => {
  t.equal(idOf('q!a|b!1000000!1sc46g00'), '1sc46g00');
  t.equal(pad(42, 5), '00042');
  t.equal(pad(-3, 3), '000');
  t.same(range('t!'), { gte: 't!', lt: 't!\xff' });
  t.equal(escapeLabel('100%!'), '100%25%21');
  t.not(escapeLabel('a%21'), escapeLabel('a!'), 'escaping is unambiguous');
});
