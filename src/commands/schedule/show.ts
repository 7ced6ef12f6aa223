import { renderScheduleShow } from '../../cli/render/schedules.js';
import { command } from '../../cli/spec.js';

export default command({
  summary: 'Show a schedule: its expression and zone, next fire times, policies, skipped fires and the tasks it made.',
  examples: ['<%= config.bin %> schedule show backup', '<%= config.bin %> schedule show tick -n 50'],
  args: [{ name: 'name', description: 'Schedule name.', required: true }],
  flags: { limit: { kind: 'integer', char: 'n', description: 'How many of its latest tasks to list.', default: 10, min: 1, max: 1000 } },
  async run({ args, flags, call, output }) {
    output(await call('schedule.show', { name: args.name!, limit: flags.limit }), (r) => renderScheduleShow(r, Date.now()));
  },
});
