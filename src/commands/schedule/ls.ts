import { Flags } from '@oclif/core';
import { BlanketCommand } from '../../cli/base.js';
import { renderScheduleList } from '../../cli/render/schedules.js';

export default class ScheduleLs extends BlanketCommand {
  static summary = 'List schedules: expression, zone, the next three fire times, the last run and its state.';
  static description = 'Fire times are shown in each schedule\'s zone. [[schedule]] entries of config.toml that are not in force (an unknown type, missing env, a name taken) are listed as warnings.';
  static examples = ['<%= config.bin %> schedule ls', '<%= config.bin %> schedule ls -q', '<%= config.bin %> schedule ls --json'];
  static flags = {
    quiet: Flags.boolean({ char: 'q', description: 'Print names only, one per line.' }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(ScheduleLs);
    const result = await this.call('schedule.ls', {});
    this.output(result, (r) => (flags.quiet ? r.schedules.map((s) => s.name).join('\n') : renderScheduleList(r, Date.now(), process.stdout.columns || 160)));
  }
}
