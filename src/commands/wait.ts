import { Args, Flags } from '@oclif/core';
import { BlanketCommand } from '../cli/base.js';

export default class Wait extends BlanketCommand {
  static summary = 'Wait until tasks end; exit with the task\'s code (non-zero if any of several failed).';
  static description = 'Exit codes: the task\'s own code; 124 if it timed out; 128+N if a signal ended it; 1 for LOST or SKIPPED.';
  static examples = ['<%= config.bin %> wait 1sc46g00', '<%= config.bin %> wait $(blanket ps -q --state RUNNING) && echo all done'];
  static strict = false;
  static args = { ids: Args.string({ ignoreStdin: true, description: 'Task ids or unique prefixes.', required: true }) };
  static flags = { quiet: Flags.boolean({ char: 'q', description: 'Print nothing, just exit with the code.' }) };

  async run(): Promise<void> {
    const { argv, flags } = await this.parse(Wait);
    const { waitForTasks } = await import('../cli/wait.js');
    const { combinedExitCode } = await import('../cli/outcome.js');
    const tasks = await waitForTasks(await this.client(), argv as string[]);
    if (!flags.quiet) this.output({ tasks }, (r) => r.tasks.map((t) => `${t.id}  ${t.state}${t.reason ? `  (${t.reason})` : ''}`).join('\n'));
    process.exitCode = combinedExitCode(tasks);
  }
}
