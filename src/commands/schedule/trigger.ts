import { Args, Flags } from '@oclif/core';
import { BlanketCommand } from '../../cli/base.js';

export default class ScheduleTrigger extends BlanketCommand {
  static summary = 'Run a schedule once now, whatever its overlap policy and even when paused.';
  static description = 'The task records the schedule and now as its fire time. The schedule\'s own timing does not change.';
  static examples = ['<%= config.bin %> schedule trigger backup', '<%= config.bin %> schedule trigger backup -q | xargs blanket wait'];
  static args = { name: Args.string({ ignoreStdin: true, description: 'Schedule name.', required: true }) };
  static flags = {
    quiet: Flags.boolean({ char: 'q', description: 'Print the task id only.' }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(ScheduleTrigger);
    const result = await this.call('schedule.trigger', { name: args.name });
    for (const w of result.warnings) this.warn2(w);
    this.output(result, (r) => (flags.quiet ? r.task.id : `${r.task.id}  queued ${r.task.type} (schedule ${args.name})`));
  }
}
