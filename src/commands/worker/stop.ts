import { command } from '../../cli/spec.js';

export default command({
  summary: 'Stop a worker: it finishes what it runs and takes nothing new (--kill stops its tasks too).',
  examples: ['<%= config.bin %> worker stop gpu', '<%= config.bin %> worker stop --kill worker-1'],
  args: [{ name: 'id', description: 'Worker id.', required: true }],
  flags: { kill: { kind: 'boolean', description: 'Also stop its running tasks (they end STOPPED).' } },
  async run({ args, flags, call, output }) {
    output(await call('worker.stop', { id: args.id!, kill: flags.kill }), (w) => `worker ${w.id} ${w.state}`);
  },
});
