// Running hooks and notifications when tasks end. Never blocks the engine:
// `finished()` only queues; a few hooks run at once, each `sh -c` in its own
// process group with a timeout, and each run is one line in the daemon log.
// Hooks run through execa (its result, with a readable reason for a command that
// could not start, and interleaved output), loaded on the first hook: a daemon
// without hooks never pays its ~14 MB and ~150 ms.
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { HOOK_SHELL, hookEnv, hooksFor, hookValues, renderHook, type HookName, type HookSet } from '../core/hooks.js';
import type { DaemonEvent } from '../protocol/methods.js';
import { isTerminal, type Task } from '../protocol/model.js';
import type { Logger } from './log.js';
import { tailLines } from './logs.js';
import { which } from '../os/which.js';
import { asUser } from '../os/users.js';
import { dropOutput, dropsOutput } from './output-policy.js';

/** Hooks running at once; more wait their turn. */
const MAX_RUNNING = 4;
/** Hooks waiting beyond this are dropped (and the drop is logged): a flood must not eat memory. */
const MAX_QUEUED = 1000;
/** Output kept of a hook, for its log line. */
const OUTPUT_KEEP = 2000;
/** Output of a task offered to hooks as {{OUTPUT}} / {{STDERR}}. */
const TAIL_LINES = 10;
const TAIL_CHARS = 4000;
const KILL_AFTER_MS = 2000;

export interface HookRunnerOptions {
  log: Logger;
  /** Global hooks from config.toml: they run after the type's own. */
  global: HookSet;
  timeoutMs: number;
  /** Where hooks run when the task has no result dir. */
  home: string;
  env?: NodeJS.ProcessEnv;
  /** The notify command's path, or undefined to log notifications instead (default: looked up on PATH). */
  notifier?: { kind: 'notify-send' | 'osascript'; path: string } | null;
}

interface Job {
  task: Task;
  kind: 'hook' | 'notify';
  hook?: HookName;
  source?: 'type' | 'config';
  template?: string;
  /** {{OUTPUT}} and {{STDERR}}, read when it ended: its log files are removed right after (keep_output = on_failure). */
  tails?: { output: string; stderr: string };
}

function tails(task: Task): { output: string; stderr: string } {
  return {
    output: tail(path.join(task.resultDir, task.combinedOutput ? 'output.log' : 'stdout.log')),
    stderr: task.combinedOutput ? '' : tail(path.join(task.resultDir, 'stderr.log')),
  };
}

function tail(file: string): string {
  const text = tailLines(file, TAIL_LINES, 64 * 1024).text.replace(/\n$/, '');
  return text.length > TAIL_CHARS ? text.slice(-TAIL_CHARS) : text;
}

export class HookRunner {
  private queue: Job[] = [];
  private running = new Set<ChildProcess>();
  /** Hooks taken from the queue whose process is not started yet (execa still loading). */
  private starting = 0;
  private closed = false;
  private readonly notifier: HookRunnerOptions['notifier'];

  constructor(private readonly opts: HookRunnerOptions) {
    this.notifier = opts.notifier !== undefined ? opts.notifier : findNotifier();
  }

  /** A task changed: when it has just ended, queue its hooks and notification. */
  changed(task: Task, from: string | null): void {
    if (this.closed || !isTerminal(task.state) || from === task.state) return;
    const state = task.state;
    let kept: Job['tails'];
    const read = () => (dropsOutput(task) ? (kept ??= tails(task)) : undefined);
    for (const hook of hooksFor(state)) {
      const own = task.hooks?.[hook];
      if (own) this.push({ task, kind: 'hook', hook, source: 'type', template: own, tails: read() });
      const global = this.opts.global[hook];
      if (global) this.push({ task, kind: 'hook', hook, source: 'config', template: global, tails: read() });
    }
    if (task.notify) this.push({ task, kind: 'notify' });
    this.pump();
  }

  private push(job: Job): void {
    if (this.queue.length >= MAX_QUEUED) {
      this.opts.log.warn('too many hooks waiting; one was dropped', { task: job.task.id, hook: job.hook ?? 'notify' });
      return;
    }
    this.queue.push(job);
  }

  private pump(): void {
    while (!this.closed && this.running.size + this.starting < MAX_RUNNING && this.queue.length > 0) void this.start(this.queue.shift()!);
  }

  private async start(job: Job): Promise<void> {
    const { task } = job;
    let argv: string[];
    let env: NodeJS.ProcessEnv = this.opts.env ?? process.env;
    let ids: { uid?: number; gid?: number } = {};
    const fields: Record<string, unknown> = { task: task.id, type: task.type, state: task.state };
    if (job.kind === 'hook') {
      const values = hookValues(task, job.hook!, job.tails ?? tails(task));
      let command: string;
      try {
        command = renderHook(job.template!, values);
      } catch (err) {
        this.opts.log.warn('hook could not be rendered', { ...fields, hook: job.hook, source: job.source, err: (err as Error).message });
        return;
      }
      argv = [HOOK_SHELL, '-c', command];
      env = { ...env, ...hookEnv(values) };
      // The type's own hooks run as its tasks do; config's hooks are the daemon owner's.
      const as = job.source === 'type' ? task.runAs : undefined;
      if (as) {
        const started = asUser(as, HOOK_SHELL, ['-c', command]);
        argv = [started.file, ...started.args];
        ids = started.ids;
        env = { ...env, USER: as.user, LOGNAME: as.user, ...(as.home ? { HOME: as.home } : {}) };
        fields.user = as.user;
      }
      Object.assign(fields, { hook: job.hook, source: job.source, command });
    } else {
      const n = notification(task);
      if (!this.notifier) {
        this.opts.log.info('notification', { ...fields, title: n.title, body: n.body });
        return;
      }
      argv =
        this.notifier.kind === 'notify-send'
          ? [this.notifier.path, '--app-name=blanket', `--urgency=${task.state === 'SUCCESS' ? 'normal' : 'critical'}`, n.title, n.body]
          : [this.notifier.path, '-e', `display notification ${appleString(n.body)} with title ${appleString(n.title)}`];
      Object.assign(fields, { hook: 'notify', notifier: this.notifier.kind });
    }
    this.starting++;
    let execa;
    try {
      ({ execa } = await loadExeca());
    } catch (err) {
      this.opts.log.warn('hook could not start', { ...fields, err: (err as Error).message });
      return;
    } finally {
      this.starting--;
      if (execa === undefined) this.pump();
    }
    if (this.closed) return;
    const started = Date.now();
    const child = execa(argv[0]!, argv.slice(1), {
      cwd: existsSync(task.resultDir) ? task.resultDir : this.opts.home,
      env,
      extendEnv: false,
      detached: true, // its own process group, so a timeout stops all it started
      cleanup: false,
      stdin: 'ignore',
      all: true,
      buffer: false,
      reject: false,
      ...ids,
    });
    this.running.add(child);
    let output = '';
    child.all?.on('data', (d: Buffer) => {
      output = (output + d.toString('utf8')).slice(-OUTPUT_KEEP);
    });
    let timedOut = false;
    let killTimer: NodeJS.Timeout | undefined;
    const timer = setTimeout(() => {
      timedOut = true;
      signal(child, 'SIGTERM');
      killTimer = setTimeout(() => signal(child, 'SIGKILL'), KILL_AFTER_MS);
    }, this.opts.timeoutMs);
    const done = (exitCode: number | null, sig: string | null, err?: Error) => {
      clearTimeout(timer);
      clearTimeout(killTimer);
      if (!this.running.delete(child)) return;
      const ok = !err && !timedOut && exitCode === 0;
      const line = { ...fields, exitCode, signal: sig, durationMs: Date.now() - started, ...(output ? { output } : {}), ...(err ? { err: err.message } : {}) };
      if (timedOut) this.opts.log.warn(`hook timed out after ${this.opts.timeoutMs} ms`, line);
      else if (ok) this.opts.log.info('hook ran', line);
      else this.opts.log.warn('hook failed', line);
      this.pump();
    };
    const r = await child;
    // A command that could not start (not found, not executable) has no exit code: execa says why.
    done(r.exitCode ?? null, r.signal ?? null, r.exitCode === undefined && !r.signal ? new Error(r.shortMessage) : undefined);
  }

  /** Hooks running or waiting (for tests and stats). */
  get pending(): number {
    return this.running.size + this.starting + this.queue.length;
  }

  /** Stop: drop what waits; give what runs `graceMs` to finish, then kill its whole process group. */
  async close(graceMs = 2000): Promise<void> {
    this.closed = true;
    if (this.queue.length) this.opts.log.warn('daemon stopping: hooks not run', { count: this.queue.length });
    this.queue = [];
    const running = [...this.running];
    await Promise.all(
      running.map(
        (c) =>
          new Promise<void>((resolve) => {
            if (c.exitCode !== null || c.signalCode !== null) return resolve();
            const t = setTimeout(() => {
              signal(c, 'SIGKILL');
              resolve();
            }, graceMs);
            c.once('close', () => {
              clearTimeout(t);
              resolve();
            });
          }),
      ),
    );
  }
}

let execaModule: Promise<typeof import('execa')> | undefined;
function loadExeca(): Promise<typeof import('execa')> {
  return (execaModule ??= import('execa'));
}

function signal(child: ChildProcess, sig: NodeJS.Signals): void {
  try {
    if (child.pid !== undefined) process.kill(-child.pid, sig);
  } catch {
    // already gone
  }
}

/** A notification's title and body: what ended, how, and how long it took. */
export function notification(task: Task): { title: string; body: string } {
  const took = task.startedAt !== undefined && task.endedAt !== undefined ? ` after ${Math.round((task.endedAt - task.startedAt) / 100) / 10}s` : '';
  const how = task.exitCode !== undefined && task.exitCode !== null && task.state !== 'SUCCESS' ? ` (exit ${task.exitCode})` : task.signal ? ` (${task.signal})` : '';
  return {
    title: `blanket: ${task.label ?? task.type} ${task.state}`,
    body: `task ${task.id} ${task.state}${how}${took}${task.reason && task.state !== 'SUCCESS' ? `: ${task.reason}` : ''}`,
  };
}

/** An AppleScript string literal. */
function appleString(s: string): string {
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

function findNotifier(): HookRunnerOptions['notifier'] {
  if (process.platform === 'darwin') {
    const p = which('osascript');
    return p ? { kind: 'osascript', path: p } : null;
  }
  const p = which('notify-send');
  return p ? { kind: 'notify-send', path: p } : null;
}

/**
 * Watch task events: one daemon log line per task that ends (info, or debug for SUCCESS),
 * and its hooks and notification. Returns the runner, to close at shutdown.
 */
export function watchEndings(events: { on(l: (e: DaemonEvent) => void): () => void }, opts: HookRunnerOptions): HookRunner {
  const runner = new HookRunner(opts);
  events.on((e) => {
    // Another daemon's change: its hooks run there.
    if (e.kind !== 'task' || e.peer || !isTerminal(e.task.state) || e.from === e.task.state) return;
    const t = e.task;
    opts.log.log(t.state === 'SUCCESS' ? 'debug' : 'info', 'task ended', {
      task: t.id,
      type: t.type,
      state: t.state,
      attempt: t.attempt,
      ...(t.exitCode !== undefined ? { exitCode: t.exitCode } : {}),
      ...(t.signal ? { signal: t.signal } : {}),
      ...(t.worker ? { worker: t.worker } : {}),
      ...(t.startedAt !== undefined && t.endedAt !== undefined ? { durationMs: t.endedAt - t.startedAt } : {}),
      ...(t.reason ? { reason: t.reason } : {}),
    });
    runner.changed(t, e.from);
    try {
      dropOutput(t);
    } catch (err) {
      opts.log.warn('output could not be removed (keep_output = on_failure)', { task: t.id, err: (err as Error).message });
    }
  });
  return runner;
}
