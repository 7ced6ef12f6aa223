import { renderArchiveShow } from '../../cli/render/archive.js';
import { command } from '../../cli/spec.js';

export default command({
  summary: 'Show an archived task: its record as it was, when and why it was archived, its files.',
  examples: ['<%= config.bin %> archive show 1sc46g00', '<%= config.bin %> archive show 1sc4 --json'],
  args: [{ name: 'id', description: 'Archived task id or a unique prefix.', required: true }],
  async run({ args, call, output }) {
    output(await call('archive.show', { id: args.id! }), (r) => renderArchiveShow(r, Date.now()));
  },
});
