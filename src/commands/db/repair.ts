import { command } from '../../cli/spec.js';
import { BlanketError } from '../../protocol/errors.js';
import type { DbRepairResult } from '../../protocol/db.js';

function render(r: DbRepairResult): string {
  return [
    `backup of the store as it was: ${r.backup}`,
    ...(r.leveldbRepaired ? ['the files were damaged: what failed its checksum was dropped, the rest salvaged', ...r.dropped.map((d) => `  ${d}`)] : []),
    `rebuilt ${r.rebuilt.indexKeys} index keys, ${r.rebuilt.counters} counters and ${r.rebuilt.groups} queue groups from ${r.tasks} task records`,
    ...(r.removedCount ? [`removed ${r.removedCount} records that are not readable tasks (they are in the backup):`, ...r.removed.map((x) => `  ${x.key}: ${x.reason}`)] : []),
    `problems before: ${r.problemsBefore}, after: ${r.problemsAfter}`,
  ].join('\n');
}

export default command({
  summary: 'Repair the store: back it up, then rebuild every index and counter from the task records.',
  description:
    "First a copy of the store goes to backups/repair-<time> (or [backup] dir). Then every index key, per-state counter, queue group and the last id are rebuilt from the task records; records that cannot be read as tasks are removed (they stay in the backup). With a daemon running this goes through it, without stopping tasks. Without one, damaged files are salvaged first: commits of the write-ahead log and blocks of tables whose checksums fail are dropped whole (so no altered record gets through), and LevelDB's own repair rebuilds its file list from the rest. Either way every table is then rewritten, and the store is checked again: exit 0 when no problem is left.",
  examples: ['<%= config.bin %> db repair', '<%= config.bin %> db repair --json'],
  async run({ paths: getPaths, output }) {
    const { viaDaemonOrDirect, daemonProcess, backupRoot } = await import('../../cli/db.js');
    const { backupName } = await import('../../daemon/store/backup.js');
    const paths = getPaths();
    const r = await viaDaemonOrDirect(
      paths,
      (c) => c.call('db.repair', {}),
      async () => {
        const pid = await daemonProcess(paths);
        if (pid)
          throw new BlanketError('DAEMON_RUNNING', `a daemon process (pid ${pid}) exists for ${paths.home} but does not answer`, {
            hint: 'stop it first: the store must not be repaired under it',
          });
        return (await import('../../daemon/store/offline.js')).offlineRepair(paths.db, backupName(backupRoot(paths), 'repair-'));
      },
    );
    output(r, render);
    if (r.problemsAfter > 0) process.exitCode = 1;
  },
});
