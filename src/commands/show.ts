import { renderShow } from '../cli/render/task.js';
import { command } from '../cli/spec.js';

export default command({
  summary: 'Show everything about a task: state, attempts, environment, the rendered command.',
  examples: ['<%= config.bin %> show 1sc46g00', '<%= config.bin %> show 1sc4 --json'],
  args: [{ name: 'id', description: 'Task id or a unique prefix.', required: true }],
  async run({ args, call, output }) {
    output(await call('show', { id: args.id! }), (r) => renderShow(r, Date.now()));
  },
});
