import { parseEnvFlags } from '../cli/env.js';
import { command } from '../cli/spec.js';

export default command({
  summary: 'Submit a new task like an old one (same type, env, label, priority), with -e overrides.',
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
