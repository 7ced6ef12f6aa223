// Waiting for tasks to end: subscribe first, then read their state, so no end is missed.
import type { Client } from '../client/client.js';
import { BlanketError } from '../protocol/errors.js';
import { isTerminal, type Task } from '../protocol/model.js';

export async function waitForTasks(client: Client, ids: string[], onChange?: (t: Task) => void): Promise<Task[]> {
  const latest = new Map<string, Task>();
  let done!: () => void;
  let fail!: (e: Error) => void;
  const finished = new Promise<void>((res, rej) => ((done = res), (fail = rej)));
  const check = () => {
    if (ids.every((id) => latest.has(id) && isTerminal(latest.get(id)!.state))) done();
  };
  const unsubscribe = await client.subscribe({ ids, kinds: ['task'] }, (e) => {
    if (e.kind !== 'task') return;
    const prev = latest.get(e.task.id);
    if (prev && prev.updatedAt > e.task.updatedAt) return;
    latest.set(e.task.id, e.task);
    if (!prev || prev.state !== e.task.state) onChange?.(e.task);
    check();
  });
  client.onClose(() => fail(new BlanketError('DAEMON_UNAVAILABLE', 'lost the daemon while waiting', { hint: 'the tasks go on; wait again with blanket wait' })));
  for (const id of ids) {
    const { task } = await client.call('show', { id });
    const prev = latest.get(task.id);
    if (!prev || prev.updatedAt <= task.updatedAt) latest.set(task.id, task);
  }
  check();
  await finished;
  await unsubscribe().catch(() => {});
  return ids.map((id) => latest.get(id)!);
}
