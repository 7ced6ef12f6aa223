import { command } from '../cli/spec.js';

export default command({
  summary: 'Remove tasks that are not running, with their results: into the archive (blanket undo brings them back), or for good with --purge.',
  description:
    'All or nothing: if any named task is claimed or running, nothing is removed (stop it first with blanket kill). Removed tasks go to the archive with their output, where blanket archive ls lists them and blanket undo or blanket archive restore brings them back, until archive.keep (default 30d) has passed.',
  examples: ['<%= config.bin %> rm 1sc46g00', '<%= config.bin %> rm --dry-run $(blanket ps -q --state SUCCESS -n 1000)', '<%= config.bin %> rm --purge 1sc46g00'],
  variadic: true,
  args: [{ name: 'ids', description: 'Task ids or unique prefixes.', required: true }],
  flags: {
    'dry-run': { kind: 'boolean', char: 'n', description: 'Say what would be removed, remove nothing.' },
    purge: { kind: 'boolean', description: 'Delete for good instead of archiving: blanket undo cannot bring them back.' },
  },
  async run({ argv, flags, call, output }) {
    const result = await call('rm', { ids: argv, dryRun: flags['dry-run'], purge: flags.purge });
    const verb = flags['dry-run'] ? (flags.purge ? 'would delete for good' : 'would archive') : flags.purge ? 'deleted for good' : 'removed';
    output(result, (r) =>
      r.removed.length ? `${verb} ${r.removed.join(' ')}${!flags['dry-run'] && !flags.purge ? " (archived: 'blanket undo' brings them back)" : ''}` : 'nothing removed',
    );
  },
});
