import { Args, Flags } from '@oclif/core';
import { BlanketCommand } from '../../cli/base.js';
import { renderScheduleShow } from '../../cli/render/schedules.js';

export default class ScheduleShow extends BlanketCommand {
  static summary = 'Show a schedule: its expression and zone, next fire times, policies, skipped fires and the tasks it made.';
  static examples = ['<%= config.bin %> schedule show backup', '<%= config.bin %> schedule show tick -n 50'];
  static args = { name: Args.string({ ignoreStdin: true, description: 'Schedule name.', required: true }) };
  static flags = {
    limit: Flags.integer({ char: 'n', description: 'How many of its latest tasks to list.', default: 10, min: 1, max: 1000 }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(ScheduleShow);
    const result = await this.call('schedule.show', { name: args.name, limit: flags.limit });
    this.output(result, (r) => renderScheduleShow(r, Date.now()));
  }
}
