import { usage } from '../cli/errors.js';
import { command } from '../cli/spec.js';

export default command({
  summary: 'Watch and steer the whole queue live: running, queued, finished, workers, logs.',
  description: [
    "A full-screen dashboard fed by daemon events (no polling): the daemon, workers and slots; counts by state; tasks finished per second and daemon memory; a bar per task type; running tasks with progress; the queue in run order with why each task waits; recently finished tasks; workers; the selected task's output.",
    'Keys: ↑↓ or j/k select, Tab workers, Enter details, l log full screen, K kill (asks first), r rerun, p pause/resume a worker, / filter, ? help, q or Ctrl-C quit. See docs/top.md.',
    "It needs a terminal; without one use 'blanket ps --watch', or 'blanket ps --json' for a snapshot.",
  ].join('\n\n'),
  examples: ['<%= config.bin %> top', '<%= config.bin %> top --type nightly_build', 'NO_COLOR=1 <%= config.bin %> top', '<%= config.bin %> top --no-color --label deploy'],
  flags: {
    type: { kind: 'string', char: 't', description: 'Only tasks of this type.' },
    label: { kind: 'string', char: 'l', description: 'Only tasks with this label.' },
    color: { kind: 'boolean', description: 'Colour; --no-color (or NO_COLOR, TERM=dumb) turns it off.', allowNo: true, default: true },
  },
  async run({ flags, json, client }) {
    if (json) throw usage('top is interactive and has no --json output', "use 'blanket ps --json' for a snapshot");
    if (!process.stdout.isTTY)
      throw usage('top needs a terminal, and stdout is not one', "use 'blanket ps --watch' to follow the queue without a terminal, or 'blanket ps --json'");
    if (!process.stdin.isTTY) throw usage('top reads keys from a terminal, and stdin is not one', "run it from an interactive shell, or use 'blanket ps --watch'");
    // The first connection starts the daemon if needed; its errors print like any command's.
    const first = await client();
    // Ink and React load only here, so no other command pays for them; in production
    // mode, since React's development checks double the cost of every frame.
    process.env.NODE_ENV ??= 'production';
    // Ink draws nothing until exit when it thinks it runs in CI (CI=true); both ends are a
    // terminal here (checked above), so this is an interactive session whatever CI says.
    for (const k of ['CI', 'CONTINUOUS_INTEGRATION']) if (k in process.env) process.env[k] = 'false';
    const [ui, { connect }, { setColor }] = await Promise.all([import('../ui/index.js'), import('../client/connect.js'), import('../cli/style.js')]);
    const color = ui.colourWanted(process.env, flags.color, true);
    setColor(color);
    await ui.runTop({
      // Reconnects do not start a daemon: one the user stopped stays stopped until they start it.
      connect: async (attempt) => ui.asTopClient(attempt === 0 && !first.closed ? first : await connect({ autostart: false, clientName: 'blanket top' })),
      color,
      scope: { ...(flags.type !== undefined ? { type: flags.type } : {}), ...(flags.label !== undefined ? { label: flags.label } : {}) },
    });
  },
});
