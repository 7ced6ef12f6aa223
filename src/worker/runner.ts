// One task's process: result dir, files, output straight to files, its own
// process group, timeout and kill escalation, output cap, progress file.
import { chownSync, closeSync, mkdirSync, openSync, readFileSync, statSync, truncateSync, appendFileSync, watch, writeFileSync, type FSWatcher } from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import type { Task } from '../protocol/model.js';
import { executorArgv } from '../core/executor.js';
import { safeRelativePath } from '../core/relpath.js';
import { templateEnv, VALUE_PREFIX } from '../core/template.js';
import { processStartTime, signalGroup, groupAlive } from '../os/proc.js';
import { logFiles } from '../os/results.js';
import { asOwner, asUser } from '../os/users.js';

export interface RunSettings {
  killGraceMs: number;
  maxOutputBytes: number;
  resultsRoot: string;
  socket: string;
  workerId: string;
  /** The umask the task's process gets (the worker itself runs under 077); default the worker's. */
  taskUmask?: number;
}

export interface ExitReport {
  exitCode: number | null;
  signal: string | null;
  cause: 'exit' | 'timeout' | 'killed';
  at: number;
  reason?: string;
}

export interface RunEvents {
  started(info: { pid: number; pgid: number; pidStart?: number; at: number }): void;
  finished(report: ExitReport): void;
  progress(percent: number, message: string): void;
}

/** Environment variables a worker must not pass on to tasks. */
const PRIVATE_ENV = ['BLANKET_READY_FD', 'BLANKET_WORKER_ID'];

/**
 * Spawn under `umask` (the child inherits it at fork; spawn forks synchronously), then restore
 * ours. Files the worker itself makes meanwhile have explicit private modes, which a looser umask
 * cannot widen.
 */
function spawnWithUmask<T>(umask: number | undefined, fn: () => T): T {
  if (umask === undefined || process.platform === 'win32') return fn();
  const ours = process.umask(umask);
  try {
    return fn();
  } finally {
    process.umask(ours);
  }
}

export function truncationMarker(cap: number): string {
  return `\n[blanket: output truncated at ${cap} bytes; the rest was discarded (max_output_bytes)]\n`;
}

export class TaskRun {
  pid: number | undefined;
  pgid: number | undefined;
  pidStart: number | undefined;
  startedAt: number | undefined;
  exit: ExitReport | undefined;
  private stopCause: 'timeout' | 'killed' | undefined;
  private timers: NodeJS.Timeout[] = [];
  private watcher: FSWatcher | undefined;
  private capCheck: NodeJS.Timeout | undefined;
  readonly done: Promise<ExitReport>;
  private resolveDone!: (r: ExitReport) => void;

  constructor(
    readonly task: Task,
    private readonly settings: RunSettings,
    private readonly events: RunEvents,
  ) {
    this.done = new Promise((r) => (this.resolveDone = r));
  }

  private finish(report: ExitReport): void {
    if (this.exit) return;
    this.exit = report;
    for (const t of this.timers) clearTimeout(t);
    clearTimeout(this.capCheck);
    this.watcher?.close();
    this.enforceCap();
    this.events.finished(report);
    this.resolveDone(report);
  }

  /** Spawn the process. Problems before it runs end the task as ERROR with the reason in stderr.log. */
  async start(): Promise<void> {
    const t = this.task;
    const files = logFiles(t);
    let outFd: number | undefined;
    let errFd: number | undefined;
    const owner = t.runAs;
    try {
      // Private whatever the umask: rendered files and output may hold the task's env.
      mkdirSync(t.resultDir, { recursive: true, mode: 0o700 });
      // A task run as another user owns its directory (still 0700), and what is written for it
      // is written with its rights (asOwner), so a symlink it left there leads nowhere it could not go.
      if (owner) chownSync(t.resultDir, owner.uid, owner.gid);
      const at = this.at;
      [outFd, errFd] = asOwner(owner, t.resultDir, (): [number, number] => {
        for (const f of t.files) {
          if (!safeRelativePath(f.name)) throw new Error(`file name ${JSON.stringify(f.name)} escapes the task directory`);
          const target = at(f.name);
          mkdirSync(path.dirname(target), { recursive: true, mode: 0o700 });
          writeFileSync(target, f.content, { mode: 0o600 });
        }
        // never: not written at all; progress (.progress) and the exit status still come through.
        if (t.keepOutput === 'never') return [openSync('/dev/null', 'a'), -1];
        const out = openSync(at(path.basename(files.stdout)), 'a', 0o600);
        try {
          return [out, files.stderr === files.stdout ? out : openSync(at(path.basename(files.stderr)), 'a', 0o600)];
        } catch (err) {
          closeSync(out);
          throw err;
        }
      });
      if (errFd === -1) errFd = outFd;
    } catch (err) {
      if (outFd !== undefined) closeSync(outFd);
      this.failBeforeStart(`cannot prepare the task directory ${t.resultDir}: ${(err as Error).message}`);
      return;
    }
    const cwd = t.cwd === undefined ? t.resultDir : path.resolve(t.resultDir, t.cwd);
    // An ad-hoc task starts from its submitter's environment; any other from the worker's.
    const env: Record<string, string | undefined> = { ...(t.callerEnv ?? process.env) };
    for (const k of PRIVATE_ENV) delete env[k];
    Object.assign(env, t.env, {
      PWD: cwd,
      BLANKET_APP_TASK_ID: t.id,
      BLANKET_APP_TASK_RESULTS_DIRECTORY: t.resultDir,
      BLANKET_APP_RESULTS_DIRECTORY: this.settings.resultsRoot,
      BLANKET_APP_WORKER_ID: this.settings.workerId,
      BLANKET_APP_WORKER_PID: String(process.pid),
      BLANKET_APP_ATTEMPT: String(t.attempt),
      BLANKET_APP_SOCKET: this.settings.socket,
    });
    if (owner) Object.assign(env, { USER: owner.user, LOGNAME: owner.user, ...(owner.home ? { HOME: owner.home } : {}) });
    // The variables the command's {{NAME}}s read: after everything else, so nothing (a value
    // the worker sets, an inherited variable) can stand in for the submitted value.
    for (const k of Object.keys(env)) if (k.startsWith(VALUE_PREFIX)) delete env[k];
    Object.assign(env, templateEnv(t.command, t.env));
    const notStarted = (why: string): void => {
      closeSync(outFd);
      if (errFd !== outFd) closeSync(errFd);
      this.failBeforeStart(why);
    };
    let file: string;
    let args: string[];
    try {
      [file, args] = executorArgv(t.executor, t.command, t.executorArgs);
    } catch (err) {
      return notStarted((err as Error).message);
    }
    // Never run somewhere else instead: a missing directory ends the task ERROR, saying so.
    let cwdProblem: string | undefined;
    try {
      if (!statSync(cwd).isDirectory()) cwdProblem = `the working directory ${cwd} is not a directory`;
    } catch (err) {
      cwdProblem =
        (err as NodeJS.ErrnoException).code === 'ENOENT' ? `the working directory ${cwd} does not exist` : `the working directory ${cwd} cannot be used: ${(err as Error).message}`;
    }
    if (cwdProblem) return notStarted(cwdProblem);
    this.watchDir();
    // node:child_process directly, not execa: on this path execa cost ~3.5 ms of CPU per task
    // (40 % of the worker's) and ~45 MB of worker RSS (docs/performance.md).
    let child;
    try {
      const as = owner ? asUser(owner, file, args) : { file, args, ids: {} };
      child = spawnWithUmask(this.settings.taskUmask, () => spawn(as.file, as.args, { cwd, env, detached: true, stdio: ['ignore', outFd, errFd], windowsHide: true, ...as.ids }));
    } catch (err) {
      child = undefined;
      this.failBeforeStart(`cannot start ${t.executor}: ${(err as Error).message}`);
    } finally {
      closeSync(outFd);
      if (errFd !== outFd) closeSync(errFd);
    }
    if (!child) return;
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; err?: NodeJS.ErrnoException }>((resolve) => {
      child.once('error', (err: NodeJS.ErrnoException) => resolve({ code: null, signal: null, err }));
      child.once('exit', (code, signal) => resolve({ code, signal }));
    });
    if (child.pid === undefined) {
      const { err } = await exited;
      this.failBeforeStart(`cannot start ${t.executor}: ${err?.code === 'ENOENT' ? 'not found on PATH' : (err?.message ?? 'spawn failed')}`);
      return;
    }
    this.pid = child.pid;
    this.pgid = child.pid;
    this.pidStart = processStartTime(child.pid);
    this.startedAt = Date.now();
    this.events.started({ pid: this.pid, pgid: this.pgid, ...(this.pidStart !== undefined ? { pidStart: this.pidStart } : {}), at: this.startedAt });
    if (t.timeout > 0) this.timers.push(setTimeout(() => this.stop('SIGTERM', 'timeout'), t.timeout * 1000));
    const r = await exited;
    // Whatever the leader left behind in its group dies with it.
    if (groupAlive(this.pgid)) signalGroup(this.pgid, this.pidStart, 'SIGKILL');
    const signal = r.signal ?? null;
    const exitCode = signal ? null : r.code;
    const report: ExitReport = { exitCode, signal, cause: this.stopCause ?? 'exit', at: Date.now() };
    if (report.cause === 'exit' && exitCode === 127) report.reason = 'exited with code 127 (command not found: see stderr.log)';
    if (report.cause === 'exit' && exitCode === 126) report.reason = 'exited with code 126 (not executable: see stderr.log)';
    this.finish(report);
  }

  /** A file of the result directory: relative (asOwner is in it) for a task run as another user. */
  private at = (name: string): string => (this.task.runAs ? name : path.join(this.task.resultDir, name));

  private failBeforeStart(reason: string): void {
    try {
      mkdirSync(this.task.resultDir, { recursive: true, mode: 0o700 });
      // keep_output = never: the reason is in the task record only.
      if (this.task.keepOutput !== 'never') {
        asOwner(this.task.runAs, this.task.resultDir, () => appendFileSync(this.at(path.basename(logFiles(this.task).stderr)), `blanket: ${reason}\n`, { mode: 0o600 }));
      }
    } catch {
      // the reason still reaches the task record
    }
    // Never started: the daemon takes an exit straight from CLAIMED.
    this.finish({ exitCode: null, signal: null, cause: 'exit', at: Date.now(), reason });
  }

  /** Ask the process group to stop: `signal` now, SIGKILL after the grace period. The first cause wins. */
  stop(signal: NodeJS.Signals, cause: 'timeout' | 'killed'): void {
    if (this.exit || this.pgid === undefined) {
      if (!this.exit && this.pgid === undefined) this.stopCause ??= cause;
      return;
    }
    this.stopCause ??= cause;
    signalGroup(this.pgid, this.pidStart, signal);
    if (signal !== 'SIGKILL') {
      this.timers.push(
        setTimeout(() => {
          if (!this.exit && this.pgid !== undefined) signalGroup(this.pgid, this.pidStart, 'SIGKILL');
        }, this.settings.killGraceMs),
      );
    }
  }

  /** File events (no polling): output size for the cap, .progress for progress. */
  private watchDir(): void {
    try {
      this.watcher = watch(this.task.resultDir, { persistent: false }, (_ev, name) => {
        if (name === '.progress') this.readProgress();
        else if (!this.capCheck) this.capCheck = setTimeout(() => ((this.capCheck = undefined), this.enforceCap()), 25);
      });
      this.watcher.on('error', () => {});
    } catch {
      // no file events here: the cap is still enforced at exit
    }
  }

  private lastProgress = '';
  private readProgress(): void {
    let text: string;
    try {
      text = asOwner(this.task.runAs, this.task.resultDir, () => readFileSync(this.at('.progress'), 'utf8'));
    } catch {
      return;
    }
    const line = text.trim().split('\n').pop() ?? '';
    if (line === this.lastProgress) return;
    const m = /^(\d+(?:\.\d+)?)%?\s*(.*)$/.exec(line);
    if (!m) return;
    this.lastProgress = line;
    this.events.progress(Math.min(100, Math.max(0, parseFloat(m[1]!))), m[2]!.slice(0, 1000));
  }

  private enforceCap(): void {
    const cap = this.settings.maxOutputBytes;
    const files = logFiles(this.task);
    const marker = truncationMarker(cap);
    for (const full of new Set([files.stdout, files.stderr])) {
      const f = this.at(path.basename(full));
      try {
        asOwner(this.task.runAs, this.task.resultDir, () => {
          const size = statSync(f).size;
          if (size <= cap + Buffer.byteLength(marker)) return;
          truncateSync(f, cap);
          appendFileSync(f, marker);
        });
      } catch {
        // not there (yet)
      }
    }
  }
}
