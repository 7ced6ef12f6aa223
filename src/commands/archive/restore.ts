import { command } from '../../cli/spec.js';

export default command({
  summary: 'Put archived tasks back in the store, with their state and output.',
  description:
    'All or nothing: if any id is not in the archive, or the store holds a task of that id again, nothing is restored. A restored task that was waiting is queued again; a finished one is listed by ps and its output read by logs, as before.',
  examples: ['<%= config.bin %> archive restore 1sc46g00', '<%= config.bin %> archive restore 1sc46g00 1sc46g01'],
  variadic: true,
  args: [{ name: 'ids', description: 'Archived task ids or unique prefixes.', required: true }],
  async run({ argv, call, output }) {
    output(await call('archive.restore', { ids: argv }), (r) => `restored ${r.restored.join(' ')}`);
  },
});
