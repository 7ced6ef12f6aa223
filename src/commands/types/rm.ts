import { command } from '../../cli/spec.js';

export default command({
  summary: 'Remove a task type added with blanket types add (file types belong to their files).',
  examples: ['<%= config.bin %> types rm nightly'],
  args: [{ name: 'name', description: 'Type name.', required: true }],
  async run({ args, call, output }) {
    const r = await call('types.rm', { name: args.name! });
    output(r, (x) => `removed ${x.removed}${x.inForce ? ` (the type from ${x.inForce} stays in force)` : ''}`);
  },
});
