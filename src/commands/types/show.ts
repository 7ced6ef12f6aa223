import { Args } from '@oclif/core';
import { BlanketCommand } from '../../cli/base.js';
import { renderType } from '../../cli/render/types.js';

export default class TypesShow extends BlanketCommand {
  static summary = 'Show a task type: its command, environment, tags and limits.';
  static examples = ['<%= config.bin %> types show echo_task'];
  static args = { name: Args.string({ description: 'Type name.', required: true, ignoreStdin: true }) };

  async run(): Promise<void> {
    const { args } = await this.parse(TypesShow);
    this.output(await this.call('types.show', { name: args.name }), renderType);
  }
}
