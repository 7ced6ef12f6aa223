import { Args, Flags } from '@oclif/core';
import { BlanketCommand } from '../cli/base.js';

export default class Rm extends BlanketCommand {
  static summary = 'Remove tasks that are not running, with their results.';
  static description = 'All or nothing: if any named task is claimed or running, nothing is removed (stop it first with blanket kill).';
  static examples = ['<%= config.bin %> rm 0m3kz8q5', '<%= config.bin %> rm --dry-run $(blanket ps -q --state SUCCESS -n 1000)'];
  static strict = false;
  static args = { ids: Args.string({ description: 'Task ids or unique prefixes.', required: true, ignoreStdin: true }) };
  static flags = { 'dry-run': Flags.boolean({ char: 'n', description: 'Say what would be removed, remove nothing.' }) };

  async run(): Promise<void> {
    const { argv, flags } = await this.parse(Rm);
    const result = await this.call('rm', { ids: argv as string[], dryRun: flags['dry-run'] });
    this.output(result, (r) => (r.removed.length ? `${flags['dry-run'] ? 'would remove' : 'removed'} ${r.removed.join(' ')}` : 'nothing removed'));
  }
}
