import { renderType } from '../../cli/render/types.js';
import { command } from '../../cli/spec.js';

export default command({
  summary: 'Show a task type: its command, environment, tags and limits.',
  examples: ['<%= config.bin %> types show echo_task'],
  args: [{ name: 'name', description: 'Type name.', required: true }],
  async run({ args, call, output }) {
    output(await call('types.show', { name: args.name! }), renderType);
  },
});
