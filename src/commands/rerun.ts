import { Args, Flags } from '@oclif/core';
import { BlanketCommand } from '../cli/base.js';
import { parseEnvFlags } from '../cli/env.js';

export default class Rerun extends BlanketCommand {
  static summary = 'Submit a new task like an old one (same type, env, label, priority), with -e overrides.';
  static examples = ['<%= config.bin %> rerun 1sc46g00', '<%= config.bin %> rerun 1sc46g00 -e NAME=Grace -q'];
  static args = { id: Args.string({ ignoreStdin: true, description: 'Task id or unique prefix.', required: true }) };
  static flags = {
    env: Flags.string({ char: 'e', description: 'Override an environment variable NAME=VALUE (repeatable).', multiple: true }),
    quiet: Flags.boolean({ char: 'q', description: 'Print the new id only.' }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Rerun);
    const r = await this.call('rerun', { id: args.id, env: parseEnvFlags(flags.env) });
    for (const w of r.warnings) this.warn2(w);
    this.output(r, (x) => (flags.quiet ? x.task.id : `${x.task.id}  queued ${x.task.type} (rerun of ${args.id})`));
  }
}
