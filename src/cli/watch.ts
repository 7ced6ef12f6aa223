// `ps --watch`: on a terminal, the ps view redrawn when something changes
// (at most 10 times a second); elsewhere, one line per transition. Driven by
// the event subscription: nothing is fetched unless an event says it changed.
import type { Client } from '../client/client.js';
import type { PsParams } from '../protocol/methods.js';
import { renderPs } from './render/task.js';

export async function watchPs(client: Client, params: PsParams, opts: { tty: boolean; columns: () => number }): Promise<void> {
  let closed!: () => void;
  const done = new Promise<void>((r) => (closed = r));
  client.onClose(() => closed());
  if (!opts.tty) {
    await client.subscribe({ kinds: ['task'], ...(params.type ? { types: [params.type] } : {}) }, (e) => {
      if (e.kind !== 'task' || e.from === e.task.state) return;
      const t = e.task;
      if (params.label !== undefined && t.label !== params.label) return;
      if (params.states && !params.states.includes(t.state)) return;
      const time = new Date(t.updatedAt).toISOString().slice(11, 23);
      process.stdout.write(`${time} ${t.id} ${t.type} ${e.from ?? 'NEW'} → ${t.state}${t.reason ? ` (${t.reason})` : ''}\n`);
    });
    return done;
  }
  let timer: NodeJS.Timeout | undefined;
  let drawing = false;
  let again = false;
  const draw = async () => {
    if (drawing) return void (again = true);
    drawing = true;
    try {
      const r = await client.call('ps', params);
      // Home, clear, draw: one write so the screen never shows half a frame.
      process.stdout.write(`\x1b[H\x1b[2J${renderPs(r, Date.now(), opts.columns())}\n\x1b[2m(watching; Ctrl-C to stop)\x1b[0m\n`);
    } catch {
      // the close handler ends the watch
    } finally {
      drawing = false;
      if (again) {
        again = false;
        schedule();
      }
    }
  };
  const schedule = () => {
    timer ??= setTimeout(() => {
      timer = undefined;
      void draw();
    }, 100);
  };
  await client.subscribe({ kinds: ['task', 'worker'] }, schedule);
  process.stdout.on('resize', schedule);
  await draw();
  await done;
  clearTimeout(timer);
}
