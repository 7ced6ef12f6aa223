// `blanket db check | backup | repair | dump` on a LevelDB store the daemon has open.
import type { ClassicLevel } from 'classic-level';
import type { DbRepairResult } from '../../protocol/db.js';
import { copyStore } from './backup.js';
import { checkStore } from './check.js';
import { dumpPage } from './dump.js';
import type { rebuildDerived } from './repair.js';
import type { StoreAdmin } from './store.js';

export interface AdminHost {
  /** The open database (a getter: a full disk makes the store reopen it). */
  db(): ClassicLevel<string, unknown>;
  location: string;
  /** Rebuild every derived key from the task records, as one of the store's serialised writers. */
  rebuild(): ReturnType<typeof rebuildDerived>;
}

export function levelAdmin(host: AdminHost): StoreAdmin {
  return {
    check: () => checkStore(host.db(), host.location, 'daemon'),
    backup: async (dest) => ({ path: dest, ...(await copyStore(host.db(), dest)) }),
    repair: async (backupDir) => {
      const started = Date.now();
      const before = await checkStore(host.db(), host.location, 'daemon');
      await copyStore(host.db(), backupDir);
      const r = await host.rebuild();
      // Rewrite every table from what is readable now, so old damage does not stay in the files.
      await host.db().compactRange('', '\xff\xff');
      const after = await checkStore(host.db(), host.location, 'daemon');
      const result: DbRepairResult = {
        via: 'daemon',
        location: host.location,
        backup: backupDir,
        leveldbRepaired: false,
        dropped: [],
        ...r,
        problemsBefore: before.problems.length + before.moreProblems,
        problemsAfter: after.problems.length + after.moreProblems,
        ms: Date.now() - started,
      };
      return result;
    },
    dump: (q) => dumpPage(host.db(), q),
  };
}
