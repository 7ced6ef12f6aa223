import { renderScheduleList } from '../../cli/render/schedules.js';
import { command } from '../../cli/spec.js';

export default command({
  summary: 'List schedules: expression, zone, the next three fire times, the last run and its state.',
  description:
    "Fire times are shown in each schedule's zone. [[schedule]] entries of config.toml that are not in force (an unknown type, missing env, a name taken) are listed as warnings.",
  examples: ['<%= config.bin %> schedule ls', '<%= config.bin %> schedule ls -q', '<%= config.bin %> schedule ls --json'],
  flags: { quiet: { kind: 'boolean', char: 'q', description: 'Print names only, one per line.' } },
  async run({ flags, call, output }) {
    const result = await call('schedule.ls', {});
    output(result, (r) => (flags.quiet ? r.schedules.map((s) => s.name).join('\n') : renderScheduleList(r, Date.now(), process.stdout.columns || 160)));
  },
});
