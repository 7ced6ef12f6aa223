import { Args, Flags } from '@oclif/core';
import { BlanketCommand } from '../cli/base.js';

export default class Logs extends BlanketCommand {
  static summary = "Print a task's output; -f follows it until the task ends.";
  static examples = ['<%= config.bin %> logs 1sc46g00', '<%= config.bin %> logs -f 1sc46g00', '<%= config.bin %> logs -n 50 --stderr 1sc46g00'];
  static args = { id: Args.string({ ignoreStdin: true, description: 'Task id or unique prefix.', required: true }) };
  static flags = {
    follow: Flags.boolean({ char: 'f', description: 'Keep printing new output until the task ends.' }),
    lines: Flags.integer({ char: 'n', description: 'Only the last N lines (default: all; 10 with -f).', min: 0 }),
    stderr: Flags.boolean({ description: 'Standard error instead of standard output.' }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Logs);
    const stream = flags.stderr ? 'stderr' : 'stdout';
    if (flags.follow) {
      const { followLog } = await import('../cli/follow.js');
      await followLog(await this.client(), args.id, { stream, lines: flags.lines ?? 10, write: (t) => process.stdout.write(t) });
      return;
    }
    const r = await this.call('logs', { id: args.id, stream, ...(flags.lines !== undefined ? { lines: flags.lines } : {}) });
    if (this.jsonMode) this.output(r, () => '');
    else process.stdout.write(r.text);
  }
}
