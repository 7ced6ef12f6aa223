import { Args, Flags } from '@oclif/core';
import { BlanketCommand } from '../cli/base.js';

export default class Kill extends BlanketCommand {
  static summary = 'Stop running tasks and cancel waiting ones.';
  static description = `A running task's whole process group gets SIGNAL (default TERM), then SIGKILL after the
grace period (kill_grace, default 10s); it ends STOPPED. A waiting task is cancelled (STOPPED) at once,
and tasks that wait for it end SKIPPED. Killing a finished task is an error and changes nothing.`;
  static examples = ['<%= config.bin %> kill 1sc46g00', '<%= config.bin %> kill -s INT 1sc46g00 1sc46g01', '<%= config.bin %> kill $(blanket ps -q --state WAITING)'];
  static strict = false;
  static args = { ids: Args.string({ ignoreStdin: true, description: 'Task ids or unique prefixes.', required: true }) };
  static flags = { signal: Flags.string({ char: 's', description: 'Signal to send first (name or number).', default: 'TERM' }) };

  async run(): Promise<void> {
    const { argv, flags } = await this.parse(Kill);
    const r = await this.call('kill', { ids: argv as string[], signal: flags.signal });
    this.output(r, (x) => [...x.stopping.map((id) => `${id}  stopping (${flags.signal.toUpperCase().replace(/^SIG/, 'SIG')})`), ...x.cancelled.map((id) => `${id}  cancelled`)].join('\n'));
  }
}
