import { isTerminal, type State, type Task } from '../../protocol/model.js';
import type { DaemonEvent } from '../../protocol/methods.js';
import { BlanketError } from '../../protocol/errors.js';
import type { Handler } from '../context.js';
import { follow, LOG_PAGE_MAX, openLog, readPage, tailOffset, utf8Boundary } from '../logs.js';
import { resolveId } from '../resolve.js';
import { toBlanketError } from '../errors.js';
import { assertNotForgotten, assertOutputKept, elsewhere, outputThere } from '../output-policy.js';
import { logFile } from './logs.js';

let seq = 0;

/** The start of the last N lines as text: at most LOG_PAGE_MAX bytes of it, cut at a character; and where the rest starts. */
async function firstPage(path: string, lines: number): Promise<{ text: string; from: number; size: number }> {
  const fh = await openLog(path);
  if (!fh) return { text: '', from: 0, size: 0 };
  try {
    const page = await readPage(fh, await tailOffset(fh, (await fh.stat()).size, lines), LOG_PAGE_MAX);
    const cut = page.next >= page.size ? page.data.length : utf8Boundary(page.data);
    return { text: page.data.subarray(0, cut).toString('utf8'), from: page.offset + cut, size: page.size };
  } finally {
    await fh.close();
  }
}

/**
 * The last N lines now (the first LOG_PAGE_MAX bytes of them in the reply, the rest as events),
 * then `log` events on this connection as the file grows, at the pace the client reads them, then
 * `log.end` when the task ends, or `task.removed` if it is removed before it ends. Fed by
 * file-change events; ends with the task, its removal or the connection.
 */
export const logsFollow: Handler<'logs.follow'> = async (params, { daemon, conn }) => {
  const id = await resolveId(daemon, params.id);
  const task = await daemon.store.get(id);
  if (!task) throw new BlanketError('NOT_FOUND', `no task ${params.id}`, { hint: "list tasks with 'blanket ps'", details: { id: params.id } });
  assertOutputKept(task);
  if (elsewhere(daemon, task)) {
    await assertNotForgotten(daemon.store, task);
    if (!daemon.peerLink) throw outputThere(task);
    return daemon.peerLink.follow(task, params, conn);
  }
  const stream = params.stream ?? (task.combinedOutput ? 'output' : 'stdout');
  const path = logFile(task, stream);
  const { text, from, size } = await firstPage(path, params.lines ?? 10);
  const subscription = `log${++seq}`;
  if (isTerminal(task.state) && from >= size) return { subscription, path, text, done: true };

  const notify = (event: DaemonEvent) => conn.notify('event', { subscription, event });
  let tail: ReturnType<typeof follow> | undefined;
  const start = () => (tail ??= follow(path, from, (data) => notify({ kind: 'log', id, stream, data: data.toString('utf8') }), { ready: () => conn.writable() }));
  let ended = false;
  const detach = () => {
    ended = true;
    off();
    conn.subscriptions.delete(subscription);
    conn.closers.delete(subscription);
  };
  const cancel = () => {
    tail?.cancel();
    if (!ended) detach();
  };
  // After a last read to the end of the file, end with the task.
  const finish = (state: State) => {
    if (ended) return;
    detach();
    void start()
      .stop()
      .then(() => notify({ kind: 'log.end', id, state }));
  };
  // A task that was queued when the follow began and then ran on another daemon: its output is
  // there from its first byte; the rest of the follow is relayed from that daemon.
  const relay = (t: Task) => {
    if (ended) return;
    detach();
    const fail = (err: unknown) => {
      const e = toBlanketError(err);
      conn.end({ jsonrpc: '2.0', id: null, error: { code: e.rpcCode, message: e.message, data: e.toData() } });
    };
    if (!daemon.peerLink) return fail(outputThere(t));
    daemon.peerLink.follow(t, { ...params, id, stream, lines: 1_000_000 }, conn, { subscription, state: async () => (await daemon.store.get(id))?.state ?? t.state }).catch(fail);
  };
  const moved = (t: Task) => (t.state === 'RUNNING' || isTerminal(t.state)) && elsewhere(daemon, t);
  // Start reading once the process exists.
  const off = daemon.events.on((e) => {
    if (e.kind === 'task.removed' && e.id === id) {
      cancel();
      notify(e);
      return;
    }
    if (e.kind !== 'task' || e.task.id !== id) return;
    if (moved(e.task)) return relay(e.task);
    if (e.task.state === 'RUNNING') start();
    if (isTerminal(e.task.state)) finish(e.task.state);
  });
  conn.subscriptions.add(subscription);
  conn.closers.set(subscription, cancel);
  conn.onClose.push(cancel);
  // The task may have moved on while the first page was read, before the listener above was
  // there to hear it: go by its state now (finish and start happen once, whoever calls first).
  const now = await daemon.store.get(id);
  if (!now) {
    cancel();
    notify({ kind: 'task.removed', id });
  } else if (moved(now)) relay(now);
  else if (isTerminal(now.state))
    finish(now.state); // more than the first page to send, or the end to say
  else if (now.state === 'RUNNING') start();
  return { subscription, path, text, done: false };
};
