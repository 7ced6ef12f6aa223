import { command } from '../../cli/spec.js';

export default command({
  summary: 'Delete archived tasks for good, with their output.',
  description: 'All or nothing: if any id is not in the archive, nothing is deleted. The daemon deletes entries older than archive.keep by itself.',
  examples: ['<%= config.bin %> archive rm 1sc46g00'],
  variadic: true,
  args: [{ name: 'ids', description: 'Archived task ids or unique prefixes.', required: true }],
  async run({ argv, call, output }) {
    output(await call('archive.rm', { ids: argv }), (r) => `deleted ${r.removed.join(' ')} for good`);
  },
});
