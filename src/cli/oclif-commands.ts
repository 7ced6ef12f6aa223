// Every command, for oclif (explicit discovery): id → Command class built from its spec.
// The fast path (fast.ts) finds the same specs by file name instead; test/unit/man.test.ts
// fails when a file in src/commands is missing here.
import type { Command } from '@oclif/core';
import { makeCommand } from './oclif.js';
import archiveLs from '../commands/archive/ls.js';
import archiveRestore from '../commands/archive/restore.js';
import archiveRm from '../commands/archive/rm.js';
import archiveShow from '../commands/archive/show.js';
import autocomplete from '../commands/autocomplete.js';
import config from '../commands/config.js';
import daemonInstall from '../commands/daemon/install.js';
import daemonLogs from '../commands/daemon/logs.js';
import daemonRestart from '../commands/daemon/restart.js';
import daemonStart from '../commands/daemon/start.js';
import daemonStatus from '../commands/daemon/status.js';
import daemonStop from '../commands/daemon/stop.js';
import daemonUninstall from '../commands/daemon/uninstall.js';
import dbBackup from '../commands/db/backup.js';
import dbCheck from '../commands/db/check.js';
import dbDump from '../commands/db/dump.js';
import dbRepair from '../commands/db/repair.js';
import hostsForget from '../commands/hosts/forget.js';
import hostsLs from '../commands/hosts/ls.js';
import kill from '../commands/kill.js';
import logs from '../commands/logs.js';
import progress from '../commands/progress.js';
import ps from '../commands/ps.js';
import rerun from '../commands/rerun.js';
import rm from '../commands/rm.js';
import run from '../commands/run.js';
import scheduleAdd from '../commands/schedule/add.js';
import scheduleLs from '../commands/schedule/ls.js';
import schedulePause from '../commands/schedule/pause.js';
import scheduleResume from '../commands/schedule/resume.js';
import scheduleRm from '../commands/schedule/rm.js';
import scheduleShow from '../commands/schedule/show.js';
import scheduleTrigger from '../commands/schedule/trigger.js';
import show from '../commands/show.js';
import stats from '../commands/stats.js';
import top from '../commands/top.js';
import typesAdd from '../commands/types/add.js';
import typesExport from '../commands/types/export.js';
import typesLs from '../commands/types/ls.js';
import typesNew from '../commands/types/new.js';
import typesRescan from '../commands/types/rescan.js';
import typesRm from '../commands/types/rm.js';
import typesShow from '../commands/types/show.js';
import typesValidate from '../commands/types/validate.js';
import undo from '../commands/undo.js';
import wait from '../commands/wait.js';
import workerLogs from '../commands/worker/logs.js';
import workerLs from '../commands/worker/ls.js';
import workerPause from '../commands/worker/pause.js';
import workerResume from '../commands/worker/resume.js';
import workerStart from '../commands/worker/start.js';
import workerStop from '../commands/worker/stop.js';

const specs = {
  'archive:ls': archiveLs,
  'archive:restore': archiveRestore,
  'archive:rm': archiveRm,
  'archive:show': archiveShow,
  autocomplete: autocomplete,
  config: config,
  'daemon:install': daemonInstall,
  'daemon:logs': daemonLogs,
  'daemon:restart': daemonRestart,
  'daemon:start': daemonStart,
  'daemon:status': daemonStatus,
  'daemon:stop': daemonStop,
  'daemon:uninstall': daemonUninstall,
  'db:backup': dbBackup,
  'db:check': dbCheck,
  'db:dump': dbDump,
  'db:repair': dbRepair,
  'hosts:forget': hostsForget,
  'hosts:ls': hostsLs,
  kill: kill,
  logs: logs,
  progress: progress,
  ps: ps,
  rerun: rerun,
  rm: rm,
  run: run,
  'schedule:add': scheduleAdd,
  'schedule:ls': scheduleLs,
  'schedule:pause': schedulePause,
  'schedule:resume': scheduleResume,
  'schedule:rm': scheduleRm,
  'schedule:show': scheduleShow,
  'schedule:trigger': scheduleTrigger,
  show: show,
  stats: stats,
  top: top,
  'types:add': typesAdd,
  'types:export': typesExport,
  'types:ls': typesLs,
  'types:new': typesNew,
  'types:rescan': typesRescan,
  'types:rm': typesRm,
  'types:show': typesShow,
  'types:validate': typesValidate,
  undo: undo,
  wait: wait,
  'worker:logs': workerLogs,
  'worker:ls': workerLs,
  'worker:pause': workerPause,
  'worker:resume': workerResume,
  'worker:start': workerStart,
  'worker:stop': workerStop,
};

export const COMMANDS: Record<string, typeof Command> = Object.fromEntries(Object.entries(specs).map(([id, spec]) => [id, makeCommand(id.replace(/:/g, ' '), spec as never)]));
