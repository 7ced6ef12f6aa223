// Local workers outlive a daemon that exits without stopping them (crash or
// `daemon restart`). Their pids are recorded so the next daemon waits for
// them to reconnect instead of starting duplicates.
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Paths } from '../core/paths.js';
import { processStartTime, signalGroup } from '../os/proc.js';
import type { LocalWorkerSpec } from './workers/supervisor.js';

export interface RecordedWorker {
  spec: LocalWorkerSpec;
  pid: number;
  pidStart?: number;
}

const file = (paths: Paths) => path.join(paths.run, 'workers.json');

export function recordWorkers(paths: Paths, workers: RecordedWorker[]): void {
  try {
    // Write and rename: a daemon killed mid-write must not leave a file the next one cannot read
    // (it would start a second worker beside the live one, which then gives up its tasks).
    writeFileSync(`${file(paths)}.tmp`, JSON.stringify(workers));
    renameSync(`${file(paths)}.tmp`, file(paths));
  } catch {
    // best effort: without it the next daemon starts fresh workers
  }
}

/** Recorded workers whose process is still the one recorded. */
export function liveRecordedWorkers(paths: Paths): RecordedWorker[] {
  let list: RecordedWorker[];
  try {
    list = JSON.parse(readFileSync(file(paths), 'utf8')) as RecordedWorker[];
  } catch {
    return [];
  }
  return list.filter((w) => {
    const start = processStartTime(w.pid);
    if (process.platform === 'linux') return start !== undefined && start === w.pidStart;
    try {
      process.kill(w.pid, 0);
      return true;
    } catch {
      return false;
    }
  });
}

/** A recorded worker that never came back: stop it (it leads its own process group). */
export function killRecorded(w: RecordedWorker): void {
  signalGroup(w.pid, w.pidStart, 'SIGTERM');
}

export { processStartTime };
