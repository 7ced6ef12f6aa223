import { command } from '../../cli/spec.js';

export default command({
  summary: 'Pause a worker: it keeps running what it has and claims nothing new.',
  examples: ['<%= config.bin %> worker pause local'],
  args: [{ name: 'id', description: 'Worker id.', required: true }],
  async run({ args, call, output }) {
    output(await call('worker.pause', { id: args.id! }), (w) => `worker ${w.id} ${w.state}`);
  },
});
