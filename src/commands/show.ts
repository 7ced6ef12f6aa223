import { Args } from '@oclif/core';
import { BlanketCommand } from '../cli/base.js';
import { renderShow } from '../cli/render/task.js';

export default class Show extends BlanketCommand {
  static summary = 'Show everything about a task: state, attempts, environment, the rendered command.';
  static examples = ['<%= config.bin %> show 0m3kz8q5', '<%= config.bin %> show 0m3k --json'];
  static args = { id: Args.string({ description: 'Task id or a unique prefix.', required: true, ignoreStdin: true }) };

  async run(): Promise<void> {
    const { args } = await this.parse(Show);
    const result = await this.call('show', { id: args.id });
    this.output(result, (r) => renderShow(r, Date.now()));
  }
}
