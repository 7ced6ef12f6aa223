import { backupsDir } from '../../../core/paths.js';
import { backupName } from '../../store/backup.js';
import type { Handler } from '../../context.js';

/** A consistent copy (one LevelDB snapshot) into a new directory, while the daemon runs. */
export const dbBackup: Handler<'db.backup'> = async (p, { daemon }) => {
  const started = Date.now();
  const dest = p.path ?? backupName(backupsDir(daemon.paths, daemon.config.backup.dir), 'manual-', daemon.now());
  const r = await daemon.store.admin.backup(dest);
  daemon.log.info('backup written', { path: r.path, keys: r.keys });
  return { via: 'daemon', ...r, ms: Date.now() - started };
};
