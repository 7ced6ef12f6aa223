import { Args } from '@oclif/core';
import { BlanketCommand } from '../../cli/base.js';
import { renderScheduleLine } from '../../cli/render/schedules.js';

export default class ScheduleResume extends BlanketCommand {
  static summary = 'Resume a paused schedule from now; fires that fell while it was paused are not caught up.';
  static examples = ['<%= config.bin %> schedule resume tick'];
  static args = { name: Args.string({ ignoreStdin: true, description: 'Schedule name.', required: true }) };

  async run(): Promise<void> {
    const { args } = await this.parse(ScheduleResume);
    this.output(await this.call('schedule.resume', { name: args.name }), (s) => renderScheduleLine('resumed', s, Date.now()));
  }
}
