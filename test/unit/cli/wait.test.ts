// Which of two versions of a task a waiter keeps. A `show` reply can be read before a change
// whose event reached the waiter first, and a start and an end can share a millisecond: the
// end must not be replaced by the start before it, or the waiter waits for good.
import t from 'tap';
import { newer } from '../../../src/cli/wait.js';
import { baseTask } from '../../helpers/tasks.js';

const at = 1_700_000_000_000;

t.test('an end is never replaced by the start before it in the same millisecond', async (t) => {
  const running = baseTask({ state: 'RUNNING', updatedAt: at });
  const done = baseTask({ state: 'SUCCESS', updatedAt: at });
  t.equal(newer(running, done), false, 'a RUNNING reply does not replace a SUCCESS event');
  t.equal(newer(done, running), true, 'a SUCCESS event replaces a RUNNING reply');
  t.equal(newer(baseTask({ state: 'CLAIMED', updatedAt: at }), running), false);
});

t.test('otherwise by attempt, then time', async (t) => {
  const failed = baseTask({ state: 'ERROR', attempt: 1, updatedAt: at + 5 });
  const retry = baseTask({ state: 'WAITING', attempt: 2, updatedAt: at + 5 });
  t.equal(newer(retry, failed), true, 'a retry (next attempt) replaces the failed attempt');
  t.equal(newer(failed, retry), false);
  t.equal(newer(baseTask({ state: 'RUNNING', updatedAt: at + 1 }), baseTask({ state: 'SUCCESS', updatedAt: at })), true, 'a later time wins');
  const same = baseTask({ state: 'RUNNING', updatedAt: at });
  t.equal(newer(same, { ...same }), true, 'the same version may replace itself');
});
