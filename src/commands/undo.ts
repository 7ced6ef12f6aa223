import { command } from '../cli/spec.js';

export default command({
  summary: 'Restore the tasks the last blanket rm removed, with their state and output.',
  description:
    'Undoes the whole last rm (those of its tasks still in the archive: not restored or deleted since). Works until archive.keep cleans them away; rm --purge cannot be undone.',
  examples: ['<%= config.bin %> undo', '<%= config.bin %> undo --dry-run'],
  flags: { 'dry-run': { kind: 'boolean', char: 'n', description: 'Say what would be restored, restore nothing.' } },
  async run({ flags, call, output }) {
    const r = await call('undo', { dryRun: flags['dry-run'] });
    output(r, (x) => `${flags['dry-run'] ? 'would restore' : 'restored'} ${x.restored.join(' ')} (removed ${new Date(x.at).toISOString()})`);
  },
});
