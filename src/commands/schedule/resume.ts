import { renderScheduleLine } from '../../cli/render/schedules.js';
import { command } from '../../cli/spec.js';

export default command({
  summary: 'Resume a paused schedule from now; fires that fell while it was paused are not caught up.',
  examples: ['<%= config.bin %> schedule resume tick'],
  args: [{ name: 'name', description: 'Schedule name.', required: true }],
  async run({ args, call, output }) {
    output(await call('schedule.resume', { name: args.name! }), (s) => renderScheduleLine('resumed', s, Date.now()));
  },
});
