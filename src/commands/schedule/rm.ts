import { Args } from '@oclif/core';
import { BlanketCommand } from '../../cli/base.js';

export default class ScheduleRm extends BlanketCommand {
  static summary = 'Remove a schedule; the tasks it made stay.';
  static description = 'A schedule declared in config.toml is removed by deleting its [[schedule]] entry there.';
  static examples = ['<%= config.bin %> schedule rm tick'];
  static args = { name: Args.string({ ignoreStdin: true, description: 'Schedule name.', required: true }) };

  async run(): Promise<void> {
    const { args } = await this.parse(ScheduleRm);
    this.output(await this.call('schedule.rm', { name: args.name }), (r) => `schedule ${r.removed} removed`);
  }
}
