// wait, run --wait, run --follow and logs -f end at once when their task is removed
// (blanket rm): TASK_REMOVED, exit 4, a message naming the task. They used to hang.
import type { ChildProcess } from 'node:child_process';
import t, { type Test } from 'tap';
import { TestHome, waitFor } from '../helpers/home.js';

// Ran once (printing "hi"), now waits an hour for its retry: removable, and its output shows a follower is in.
const types = { flaky: 'command = "echo hi; exit 1"\nretries = 1\nretry_backoff = "1h"\n' };
const h = new TestHome(t, { types });
const client = await h.client();

interface Ended {
  code: number | null;
  stdout: string;
  stderr: string;
}
function watch(child: ChildProcess): { out: () => string; ended: Promise<Ended> } {
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  const ended = new Promise<Ended>((r) => child.on('close', (code) => r({ code, stdout, stderr })));
  return { out: () => stdout, ended };
}
const subscriptions = async () => (await client.call('daemon.status', {})).subscriptions;
/** The waiter's process ends within the deadline, with TASK_REMOVED and exit 4. */
async function endsRemoved(t: Test, ended: Promise<Ended>, id: string, json = false): Promise<void> {
  let result: Ended | undefined;
  void ended.then((r) => (result = r));
  const r = await waitFor('the waiter to end after the removal', () => result, 15_000);
  t.equal(r.code, 4, `exit 4 (stderr: ${r.stderr})`);
  if (json) t.match(JSON.parse(r.stdout), { error: { code: 'TASK_REMOVED', id } });
  else {
    t.match(r.stderr, new RegExp(`^blanket: task ${id} was removed while waiting$`, 'm'));
    t.match(r.stderr, /^  code: TASK_REMOVED$/m);
  }
}

t.test('blanket wait (whole id, prefix, --json) ends when the task is removed', async (t) => {
  for (const [name, form, json] of [
    ['whole id', (id: string) => id, false],
    ['prefix', (id: string) => id.slice(0, 6), false],
    ['--json', (id: string) => id, true],
  ] as const) {
    const id = await h.submit(['--in', '1h', '--', 'true']);
    const before = await subscriptions();
    const w = watch(h.spawn(['wait', form(id), ...(json ? ['--json'] : [])]));
    await waitFor('the waiter to subscribe', async () => (await subscriptions()) > before);
    await h.ok(['rm', id]);
    await t.test(name, (t) => endsRemoved(t, w.ended, id, json));
  }
});

t.test('run --wait ends when its task is removed', async (t) => {
  const blocker = await h.submit(['--in', '1h', '--', 'true']);
  const before = await subscriptions();
  const w = watch(h.spawn(['run', '--wait', '--after', blocker, '--', 'true']));
  await waitFor('the waiter to subscribe', async () => (await subscriptions()) > before);
  const id = (await client.call('ps', { limit: 100 })).queued.find((x) => x.after?.includes(blocker))!.id;
  await h.ok(['rm', id]);
  await endsRemoved(t, w.ended, id);
  await h.ok(['rm', blocker]);
});

t.test('run --follow and logs -f end when the task is removed', async (t) => {
  const follow = watch(h.spawn(['run', '--follow', 'flaky']));
  await waitFor('its output, followed live', () => follow.out() === 'hi\n', 20_000);
  const id = (await h.ok(['ps', '-q', '--type', 'flaky'])).trim();
  await h.waitState(id, ['WAITING']);
  const logs = watch(h.spawn(['logs', '-f', id]));
  await waitFor('logs -f to print what is there', () => logs.out() === 'hi\n');
  await h.ok(['rm', id]);
  await endsRemoved(t, follow.ended, id);
  await endsRemoved(t, logs.ended, id);
});

t.test('a task removed before the wait starts: NOT_FOUND, exit 1', async (t) => {
  const id = await h.submit(['--in', '1h', '--', 'true']);
  await h.ok(['rm', id]);
  const r = await h.run(['wait', id]);
  t.equal(r.code, 1);
  t.match(r.stderr, /code: NOT_FOUND/);
});

t.test('wait PREFIX ends with the task (events carry whole ids: the prefix is resolved first)', async (t) => {
  const id = await h.submit(['--', 'sh', '-c', 'exit 5']);
  const r = await h.run(['wait', id.slice(0, 6)], { timeoutMs: 20_000 });
  t.equal(r.code, 5, r.stderr);
});
