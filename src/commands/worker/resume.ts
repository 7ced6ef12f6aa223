import { command } from '../../cli/spec.js';

export default command({
  summary: 'Resume a paused worker.',
  examples: ['<%= config.bin %> worker resume local'],
  args: [{ name: 'id', description: 'Worker id.', required: true }],
  async run({ args, call, output }) {
    output(await call('worker.resume', { id: args.id! }), (w) => `worker ${w.id} ${w.state}`);
  },
});
