import { Args, Flags } from '@oclif/core';
import { BlanketCommand } from '../../cli/base.js';

export default class WorkerLogs extends BlanketCommand {
  static summary = "Print a worker's own log (JSON lines); -f follows it.";
  static examples = ['<%= config.bin %> worker logs local', '<%= config.bin %> worker logs -f local'];
  static args = { id: Args.string({ ignoreStdin: true, description: 'Worker id.', required: true }) };
  static flags = {
    follow: Flags.boolean({ char: 'f', description: 'Keep printing new lines (Ctrl-C to stop).' }),
    lines: Flags.integer({ char: 'n', description: 'Last N lines.', default: 100, min: 0 }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(WorkerLogs);
    const r = await this.call('worker.logs', { id: args.id, lines: flags.lines });
    if (this.jsonMode) return this.output(r, () => '');
    process.stdout.write(r.text);
    if (!flags.follow) return;
    const { statSync } = await import('node:fs');
    const { follow } = await import('../../daemon/logs.js');
    follow(r.path, statSync(r.path).size, (d) => process.stdout.write(d), true);
    await new Promise(() => {}); // the watcher keeps us running until Ctrl-C
  }
}
