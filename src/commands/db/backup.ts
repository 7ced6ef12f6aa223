import path from 'node:path';
import { command } from '../../cli/spec.js';

export default command({
  summary: 'Copy the store, consistently, while the daemon runs.',
  description:
    'The copy is one LevelDB snapshot written into a new directory (PATH, or backups/manual-<time> in the state directory, or [backup] dir): a store in its own right. To restore it, stop the daemon and put the directory in place of the store (db/ in the state directory). Tasks keep running and submits keep working during the copy. backup.interval in config.toml takes one on a schedule.',
  examples: ['<%= config.bin %> db backup', '<%= config.bin %> db backup /mnt/backups/blanket-monday'],
  args: [{ name: 'path', description: 'A new directory for the copy (default: backups/manual-<time>).' }],
  async run({ args, paths: getPaths, output }) {
    const { viaDaemonOrDirect, backupRoot } = await import('../../cli/db.js');
    const { backupName } = await import('../../daemon/store/backup.js');
    const paths = getPaths();
    const dest = args.path !== undefined ? path.resolve(args.path) : undefined;
    const r = await viaDaemonOrDirect(
      paths,
      (c) => c.call('db.backup', dest !== undefined ? { path: dest } : {}),
      async () => (await import('../../daemon/store/offline.js')).offlineBackup(paths.db, dest ?? backupName(backupRoot(paths), 'manual-')),
    );
    output(r, (x) => `backup written to ${x.path}: ${x.tasks} tasks, ${x.keys} keys, ${(x.bytes / 1024 / 1024).toFixed(1)} MB in ${x.ms} ms`);
  },
});
