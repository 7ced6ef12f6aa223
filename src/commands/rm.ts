import { command } from '../cli/spec.js';

export default command({
  summary: 'Remove tasks that are not running, with their results.',
  description: 'All or nothing: if any named task is claimed or running, nothing is removed (stop it first with blanket kill).',
  examples: ['<%= config.bin %> rm 1sc46g00', '<%= config.bin %> rm --dry-run $(blanket ps -q --state SUCCESS -n 1000)'],
  variadic: true,
  args: [{ name: 'ids', description: 'Task ids or unique prefixes.', required: true }],
  flags: { 'dry-run': { kind: 'boolean', char: 'n', description: 'Say what would be removed, remove nothing.' } },
  async run({ argv, flags, call, output }) {
    const result = await call('rm', { ids: argv, dryRun: flags['dry-run'] });
    output(result, (r) => (r.removed.length ? `${flags['dry-run'] ? 'would remove' : 'removed'} ${r.removed.join(' ')}` : 'nothing removed'));
  },
});
