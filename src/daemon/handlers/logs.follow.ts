import { isTerminal, type Task } from '../../protocol/model.js';
import type { DaemonEvent } from '../../protocol/methods.js';
import { BlanketError } from '../../protocol/errors.js';
import type { Handler } from '../context.js';
import { follow, tailLines } from '../logs.js';
import { resolveId } from '../resolve.js';
import { logFile } from './logs.js';

let seq = 0;

/**
 * The last N lines now, then `log` events on this connection as the file grows, then
 * `log.end` when the task ends, or `task.removed` if it is removed before it ends. Fed by
 * file-change events; ends with the task or the connection.
 */
export const logsFollow: Handler<'logs.follow'> = async (params, { daemon, conn }) => {
  const id = await resolveId(daemon.store, params.id);
  const task = await daemon.store.get(id);
  if (!task) throw new BlanketError('NOT_FOUND', `no task ${params.id}`, { hint: "list tasks with 'blanket ps'", details: { id: params.id } });
  const stream = params.stream ?? (task.combinedOutput ? 'output' : 'stdout');
  const path = logFile(task, stream);
  const { text, size } = tailLines(path, params.lines ?? 10);
  const subscription = `log${++seq}`;
  if (isTerminal(task.state)) return { subscription, path, text, done: true };

  const notify = (event: DaemonEvent) => conn.notify('event', { subscription, event });
  let tail: ReturnType<typeof follow> | undefined;
  const start = () => (tail ??= follow(path, size, (data) => notify({ kind: 'log', id, stream, data: data.toString('utf8') })));
  const stop = () => {
    tail?.stop();
    off();
    conn.subscriptions.delete(subscription);
    conn.closers.delete(subscription);
  };
  // Start reading once the process exists; after a last read, end with the task.
  const off = daemon.events.on((e) => {
    if (e.kind === 'task.removed' && e.id === id) {
      stop();
      notify(e);
      return;
    }
    if (e.kind !== 'task' || e.task.id !== id) return;
    if (e.task.state === 'RUNNING' || isTerminal(e.task.state)) start();
    if (isTerminal(e.task.state)) {
      stop();
      notify({ kind: 'log.end', id, state: e.task.state });
    }
  });
  conn.subscriptions.add(subscription);
  conn.closers.set(subscription, stop);
  conn.onClose.push(stop);
  if (task.state === 'RUNNING') start();
  return { subscription, path, text, done: false };
};
