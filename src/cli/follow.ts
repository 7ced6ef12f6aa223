// Streaming a task's output as it is written, then its end.
import type { Client } from '../client/client.js';
import type { State } from '../protocol/model.js';

export interface FollowOptions {
  stream: 'stdout' | 'stderr' | 'output';
  lines: number;
  write: (text: string) => void;
}

/** Print the last lines, then new output until the task ends. Resolves with its final state (undefined if it had already ended). */
export async function followLog(client: Client, id: string, opts: FollowOptions): Promise<State | undefined> {
  let end!: (s: State | undefined) => void;
  const ended = new Promise<State | undefined>((r) => (end = r));
  let initial: string | undefined;
  const pending: string[] = [];
  const r = await client.subscribeVia('logs.follow', { id, stream: opts.stream, lines: opts.lines }, (e) => {
    if (e.kind === 'log') {
      // Chunks that overtook the reply are printed after its initial text.
      if (initial === undefined) pending.push(e.data);
      else opts.write(e.data);
    } else if (e.kind === 'log.end') end(e.state);
  });
  initial = r.text;
  if (initial) opts.write(initial);
  for (const d of pending) opts.write(d);
  if (r.done) end(undefined);
  client.onClose(() => end(undefined));
  return ended;
}
