import { renderScheduleLine } from '../../cli/render/schedules.js';
import { command } from '../../cli/spec.js';

export default command({
  summary: 'Pause a schedule: it makes no tasks until resumed. Runs already made go on.',
  examples: ['<%= config.bin %> schedule pause tick'],
  args: [{ name: 'name', description: 'Schedule name.', required: true }],
  async run({ args, call, output }) {
    output(await call('schedule.pause', { name: args.name! }), (s) => renderScheduleLine('paused', s, Date.now()));
  },
});
