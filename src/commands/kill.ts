import { command } from '../cli/spec.js';

export default command({
  summary: 'Stop running tasks and cancel waiting ones.',
  description: `A running task's whole process group gets SIGNAL (default TERM), then SIGKILL after the
grace period (kill_grace, default 10s); it ends STOPPED. A waiting task is cancelled (STOPPED) at once,
and tasks that wait for it end SKIPPED. Killing a finished task is an error and changes nothing.
A kill for a task whose worker is away (the daemon restarted and it has not reconnected yet) is
stored and delivered when the worker registers again; kill says so.`,
  examples: ['<%= config.bin %> kill 1sc46g00', '<%= config.bin %> kill -s INT 1sc46g00 1sc46g01', '<%= config.bin %> kill $(blanket ps -q --state WAITING)'],
  variadic: true,
  args: [{ name: 'ids', description: 'Task ids or unique prefixes.', required: true }],
  flags: { signal: { kind: 'string', char: 's', description: 'Signal to send first (name or number).', default: 'TERM' } },
  async run({ argv, flags, call, output }) {
    const r = await call('kill', { ids: argv, signal: flags.signal });
    const sig = `SIG${flags.signal.toUpperCase().replace(/^SIG/, '')}`;
    const away = new Set(r.pending ?? []);
    output(r, (x) =>
      [
        ...x.stopping.map((id) => (away.has(id) ? `${id}  stopping (${sig}): its worker is away; delivered when it reconnects` : `${id}  stopping (${sig})`)),
        ...x.cancelled.map((id) => `${id}  cancelled`),
      ].join('\n'),
    );
  },
});
