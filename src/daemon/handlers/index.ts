// The handler registry: one entry per method in src/protocol/methods.ts.
// A method without a handler (or a handler of the wrong shape) does not compile.
import type { HandlerRegistry } from '../context.js';
import { archiveLs } from './archive/ls.js';
import { archiveRestore } from './archive/restore.js';
import { archiveRm } from './archive/rm.js';
import { archiveShow } from './archive/show.js';
import { daemonStatus } from './daemon/status.js';
import { daemonStop } from './daemon/stop.js';
import { dbBackup } from './db/backup.js';
import { dbCheck } from './db/check.js';
import { dbDump } from './db/dump.js';
import { dbRepair } from './db/repair.js';
import { eventsSubscribe } from './events/subscribe.js';
import { eventsUnsubscribe } from './events/unsubscribe.js';
import { hello } from './hello.js';
import { hostsForget } from './hosts/forget.js';
import { hostsLs } from './hosts/ls.js';
import { kill } from './kill.js';
import { logs } from './logs.js';
import { logsFollow } from './logs.follow.js';
import { progress } from './progress.js';
import { ps } from './ps.js';
import { rerun } from './rerun.js';
import { scheduleAdd } from './schedule/add.js';
import { scheduleLs } from './schedule/ls.js';
import { schedulePause } from './schedule/pause.js';
import { scheduleResume } from './schedule/resume.js';
import { scheduleRm } from './schedule/rm.js';
import { scheduleShow } from './schedule/show.js';
import { scheduleTrigger } from './schedule/trigger.js';
import { rm } from './rm.js';
import { run } from './run.js';
import { runBatch } from './run.batch.js';
import { show } from './show.js';
import { stats } from './stats.js';
import { undo } from './undo.js';
import { typesAdd } from './types/add.js';
import { typesExport } from './types/export.js';
import { typesLs } from './types/ls.js';
import { typesNew } from './types/new.js';
import { typesRescan } from './types/rescan.js';
import { typesRm } from './types/rm.js';
import { typesShow } from './types/show.js';
import { typesValidate } from './types/validate.js';
import { workerClaim } from './worker/claim.js';
import { workerFinished } from './worker/finished.js';
import { workerHeartbeat } from './worker/heartbeat.js';
import { workerLogs } from './worker/logs.js';
import { workerLs } from './worker/ls.js';
import { workerPause, workerResume } from './worker/pause.js';
import { workerRegister } from './worker/register.js';
import { workerStart } from './worker/start.js';
import { workerStarted } from './worker/started.js';
import { workerStop } from './worker/stop.js';
import { workerUnclaim } from './worker/unclaim.js';

export const handlers: HandlerRegistry = {
  hello,
  run,
  'run.batch': runBatch,
  ps,
  show,
  rm,
  'archive.ls': archiveLs,
  'archive.show': archiveShow,
  'archive.restore': archiveRestore,
  'archive.rm': archiveRm,
  undo,
  kill,
  rerun,
  logs,
  'logs.follow': logsFollow,
  progress,
  'types.ls': typesLs,
  'types.show': typesShow,
  'types.validate': typesValidate,
  'types.new': typesNew,
  'types.add': typesAdd,
  'types.export': typesExport,
  'types.rm': typesRm,
  'types.rescan': typesRescan,
  stats,
  'daemon.status': daemonStatus,
  'daemon.stop': daemonStop,
  'events.subscribe': eventsSubscribe,
  'events.unsubscribe': eventsUnsubscribe,
  'schedule.add': scheduleAdd,
  'schedule.ls': scheduleLs,
  'schedule.show': scheduleShow,
  'schedule.rm': scheduleRm,
  'schedule.pause': schedulePause,
  'schedule.resume': scheduleResume,
  'schedule.trigger': scheduleTrigger,
  'worker.ls': workerLs,
  'hosts.ls': hostsLs,
  'hosts.forget': hostsForget,
  'worker.start': workerStart,
  'worker.stop': workerStop,
  'worker.pause': workerPause,
  'worker.resume': workerResume,
  'worker.logs': workerLogs,
  'worker.register': workerRegister,
  'worker.claim': workerClaim,
  'worker.started': workerStarted,
  'worker.finished': workerFinished,
  'worker.unclaim': workerUnclaim,
  'worker.heartbeat': workerHeartbeat,
  'db.check': dbCheck,
  'db.repair': dbRepair,
  'db.backup': dbBackup,
  'db.dump': dbDump,
};
