import { renderArchiveList } from '../../cli/render/archive.js';
import { command } from '../../cli/spec.js';

export default command({
  summary: 'List archived tasks (removed with blanket rm, or archived by [retention]), newest first.',
  description: 'Archived tasks keep their record and output until archive.keep (default 30d) has passed; blanket archive restore brings one back.',
  examples: ['<%= config.bin %> archive ls', '<%= config.bin %> archive ls -n 100 --json'],
  flags: { limit: { kind: 'integer', char: 'n', description: 'How many to list.', default: 20, min: 1, max: 10000 } },
  async run({ flags, call, output }) {
    output(await call('archive.ls', { limit: flags.limit }), (r) => renderArchiveList(r, Date.now()));
  },
});
