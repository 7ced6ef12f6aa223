// Streaming a task's output as it is written, then its end.
import type { Client } from '../client/client.js';
import type { State } from '../protocol/model.js';
import { BlanketError } from '../protocol/errors.js';
import { taskRemoved } from './errors.js';

export interface FollowOptions {
  stream: 'stdout' | 'stderr' | 'output';
  lines: number;
  write: (text: string) => void;
}

/**
 * Print the last lines, then new output until the task ends. Resolves with its final state
 * (undefined if it had already ended); rejects with TASK_REMOVED if it is removed first.
 */
export async function followLog(client: Client, id: string, opts: FollowOptions): Promise<State | undefined> {
  let end!: (s: State | undefined) => void;
  let fail!: (e: Error) => void;
  const ended = new Promise<State | undefined>((res, rej) => ((end = res), (fail = rej)));
  ended.catch(() => {}); // returned below; a removal may come before that
  let initial: string | undefined;
  const pending: string[] = [];
  const r = await client.subscribeVia('logs.follow', { id, stream: opts.stream, lines: opts.lines }, (e) => {
    if (e.kind === 'log') {
      // Chunks that overtook the reply are printed after its initial text.
      if (initial === undefined) pending.push(e.data);
      else opts.write(e.data);
    } else if (e.kind === 'log.end') end(e.state);
    else if (e.kind === 'task.removed') fail(taskRemoved(e.id));
  });
  initial = r.text;
  if (initial) opts.write(initial);
  for (const d of pending) opts.write(d);
  if (r.done) end(undefined);
  // Closed with a reason (the daemon relaying another host's output lost it): the output may be cut.
  client.onClose((err) => (err instanceof BlanketError ? fail(err) : end(undefined)));
  return ended;
}
