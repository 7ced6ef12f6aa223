import { parseEnvFlags } from '../cli/env.js';
import { command } from '../cli/spec.js';

export default command({
  summary: 'Submit a new task like an old one (everything that defined its run), with -e overrides.',
  description: `The new task has the old one's type, env, tags (--tag ones too), executor and rendered command (even if the type changed since), files, working directory, captured environment, priority, label, timeout, retries, hooks and --notify. It does not wait for the old one's dependencies (they have run) nor its --at/--in time, and it is not a fire of its schedule. With -e, the command and files are rendered again from the type as it is now, with the new values.`,
  examples: ['<%= config.bin %> rerun 1sc46g00', '<%= config.bin %> rerun 1sc46g00 -e NAME=Grace -q'],
  args: [{ name: 'id', description: 'Task id or unique prefix.', required: true }],
  flags: {
    env: { kind: 'string', char: 'e', description: 'Override an environment variable NAME=VALUE (repeatable).', multiple: true, helpValue: 'NAME=VALUE' },
    quiet: { kind: 'boolean', char: 'q', description: 'Print the new id only.' },
  },
  async run({ args, flags, call, output, warn }) {
    const r = await call('rerun', { id: args.id!, env: parseEnvFlags(flags.env) });
    for (const w of r.warnings) warn(w);
    output(r, (x) => (flags.quiet ? x.task.id : `${x.task.id}  queued ${x.task.type} (rerun of ${args.id})`));
  },
});
