import { Args } from '@oclif/core';
import { BlanketCommand } from '../../cli/base.js';
import { renderScheduleLine } from '../../cli/render/schedules.js';

export default class SchedulePause extends BlanketCommand {
  static summary = 'Pause a schedule: it makes no tasks until resumed. Runs already made go on.';
  static examples = ['<%= config.bin %> schedule pause tick'];
  static args = { name: Args.string({ ignoreStdin: true, description: 'Schedule name.', required: true }) };

  async run(): Promise<void> {
    const { args } = await this.parse(SchedulePause);
    this.output(await this.call('schedule.pause', { name: args.name }), (s) => renderScheduleLine('paused', s, Date.now()));
  }
}
