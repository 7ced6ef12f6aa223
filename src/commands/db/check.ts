import { command } from '../../cli/spec.js';
import { renderCheck } from '../../cli/render/db.js';

export default command({
  summary: 'Check the store: every checksum in its files, every task record, and every index and counter derived from them.',
  description:
    'Exits 0 when the store is sound, 1 when it lists problems. With a daemon running, the check goes through it and reads one consistent snapshot while tasks keep running; without one, it opens the store itself (a daemon cannot start meanwhile). A store whose files are damaged is not opened at all: its problems are listed from the files. It never starts the daemon and never changes anything.',
  examples: ['<%= config.bin %> db check', '<%= config.bin %> db check --json'],
  async run({ paths: getPaths, output }) {
    const { viaDaemonOrDirect } = await import('../../cli/db.js');
    const paths = getPaths();
    const r = await viaDaemonOrDirect(
      paths,
      (c) => c.call('db.check', {}),
      async () => (await import('../../daemon/store/offline.js')).offlineCheck(paths.db),
    );
    output(r, renderCheck);
    if (!r.ok) process.exitCode = 1;
  },
});
