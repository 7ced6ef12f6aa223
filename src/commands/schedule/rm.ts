import { command } from '../../cli/spec.js';

export default command({
  summary: 'Remove a schedule; the tasks it made stay.',
  description: 'A schedule declared in config.toml is removed by deleting its [[schedule]] entry there.',
  examples: ['<%= config.bin %> schedule rm tick'],
  args: [{ name: 'name', description: 'Schedule name.', required: true }],
  async run({ args, call, output }) {
    output(await call('schedule.rm', { name: args.name! }), (r) => `schedule ${r.removed} removed`);
  },
});
