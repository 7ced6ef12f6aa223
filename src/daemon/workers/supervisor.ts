// Local workers are child processes of the daemon: started, watched, and
// restarted with backoff when they die. They run detached so they (and
// their tasks) outlive a daemon crash.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import path from 'node:path';
import type { Logger } from '../log.js';

export interface LocalWorkerSpec {
  name: string;
  /** Replace the detected tags. */
  tags?: string[];
  extraTags?: string[];
  slots: number;
}

interface Managed {
  spec: LocalWorkerSpec;
  child: ChildProcess | undefined;
  restarts: number;
  lastStart: number;
  wanted: boolean;
  timer: NodeJS.Timeout | undefined;
}

const BACKOFF_MIN_MS = 200;
const BACKOFF_MAX_MS = 30_000;
/** A worker that ran this long resets its backoff. */
const HEALTHY_MS = 60_000;

/**
 * V8 flags for local workers. --expose-gc: a worker collects its garbage once after it goes idle
 * (Worker.collectWhenIdle), else V8 keeps a busy spell's heap (68 MB a minute after 3000 tasks, 57 with it). A worker allocates little per task but steadily, so V8 grows its
 * young generation to its 16 MB-a-half maximum under load and keeps it: 91 MB resident after
 * 3000 tasks, against 53 MB a minute later with this cap (55 with 1 MB) (docs/performance.md). The old generation is not
 * limited: nothing a worker holds (its running tasks) is capped by this.
 */
export const WORKER_NODE_FLAGS = ['--max-semi-space-size=2', '--expose-gc'];

export class Supervisor {
  private managed = new Map<string, Managed>();

  constructor(
    private readonly opts: {
      entry: string;
      logsDir: string;
      env: NodeJS.ProcessEnv;
      log: Logger;
      /** Log rotation and level for the workers' own logs. */
      workerLog?: { maxBytes: number; keep: number; level: string };
      /** The umask workers give their tasks (workers and the daemon run under 077). */
      taskUmask?: number;
      /** Told when a worker process ends (so its tasks can be written off at once). */
      exited(name: string, reason: string, restarts: number): void;
      /** Told when a worker process starts or restarts (its pid is recorded for the next daemon). */
      spawned?(name: string, pid: number | undefined): void;
    },
  ) {}

  /** Workers being supervised (started or restarting), with the tags they will have. */
  specs(): LocalWorkerSpec[] {
    return [...this.managed.values()].filter((m) => m.wanted).map((m) => m.spec);
  }

  has(name: string): boolean {
    return this.managed.get(name)?.wanted === true;
  }

  start(spec: LocalWorkerSpec): void {
    const m: Managed = { spec, child: undefined, restarts: 0, lastStart: 0, wanted: true, timer: undefined };
    this.managed.set(spec.name, m);
    this.spawn(m);
  }

  /** The worker's own log (JSON lines, rotated by the worker). */
  logFile(name: string): string {
    return path.join(this.opts.logsDir, `worker-${name}.log`);
  }

  /** Where the worker's stdout and stderr go: what a crash prints. */
  outFile(name: string): string {
    return path.join(this.opts.logsDir, `worker-${name}.out`);
  }

  pid(name: string): number | undefined {
    return this.managed.get(name)?.child?.pid;
  }

  private spawn(m: Managed): void {
    const args = [...WORKER_NODE_FLAGS, this.opts.entry, '--name', m.spec.name, '--slots', String(m.spec.slots), '--local'];
    if (m.spec.tags) args.push('--tags', m.spec.tags.join(','));
    if (m.spec.extraTags?.length) args.push('--extra-tags', m.spec.extraTags.join(','));
    const wl = this.opts.workerLog;
    if (wl) args.push('--log-max-size', String(wl.maxBytes), '--log-keep', String(wl.keep), '--log-level', wl.level);
    if (this.opts.taskUmask !== undefined) args.push('--task-umask', this.opts.taskUmask.toString(8).padStart(3, '0'));
    const fd = openSync(this.outFile(m.spec.name), 'a', 0o600);
    const child = spawn(process.execPath, args, { detached: true, stdio: ['ignore', fd, fd], env: this.opts.env });
    closeSync(fd);
    child.unref();
    m.child = child;
    m.lastStart = Date.now();
    this.opts.log.info('worker started', { worker: m.spec.name, workerPid: child.pid });
    this.opts.spawned?.(m.spec.name, child.pid);
    child.on('error', (err) => this.opts.log.error('worker spawn failed', { worker: m.spec.name, err: err.message }));
    child.on('exit', (code, signal) => {
      if (m.child !== child) return;
      m.child = undefined;
      const reason = `worker process exited (${signal ? `signal ${signal}` : `code ${code}`})`;
      if (!m.wanted) {
        this.opts.log.info('worker stopped', { worker: m.spec.name });
        this.forget(m);
        return;
      }
      if (Date.now() - m.lastStart > HEALTHY_MS) m.restarts = 0;
      const delay = Math.min(BACKOFF_MAX_MS, BACKOFF_MIN_MS * 2 ** m.restarts);
      m.restarts++;
      this.opts.log.warn('worker died; restarting', { worker: m.spec.name, reason, delayMs: delay });
      this.opts.exited(m.spec.name, reason, m.restarts);
      m.timer = setTimeout(() => m.wanted && this.spawn(m), delay);
    });
  }

  /** Kill a supervised worker that hangs (it missed its heartbeats); its exit restarts it, with backoff. */
  kill(name: string): void {
    const m = this.managed.get(name);
    if (m?.wanted) m.child?.kill('SIGKILL');
  }

  /** Stop supervising: no restart when it exits. */
  release(name: string): void {
    const m = this.managed.get(name);
    if (!m) return;
    m.wanted = false;
    clearTimeout(m.timer);
    if (!m.child) this.forget(m); // not running (between restarts): nothing left to watch
  }

  /** Every worker it still tracks: supervised ones, and released ones whose process has not exited yet. */
  tracked(): string[] {
    return [...this.managed.keys()];
  }

  /** Drop a worker no longer supervised whose process has exited, so the map holds only live ones. */
  private forget(m: Managed): void {
    if (this.managed.get(m.spec.name) === m) this.managed.delete(m.spec.name);
  }

  /** Wait until every supervised process has exited (after they were asked to stop), then SIGKILL stragglers. */
  async waitAll(timeoutMs: number): Promise<void> {
    const live = [...this.managed.values()].map((m) => m.child).filter((c): c is ChildProcess => c !== undefined && c.exitCode === null && c.signalCode === null);
    await Promise.all(
      live.map(
        (c) =>
          new Promise<void>((resolve) => {
            const t = setTimeout(() => {
              c.kill('SIGKILL');
              resolve();
            }, timeoutMs);
            c.once('exit', () => {
              clearTimeout(t);
              resolve();
            });
          }),
      ),
    );
  }

  releaseAll(): void {
    for (const name of this.managed.keys()) this.release(name);
  }

  /** SIGTERM every supervised worker process (used when they cannot be told over the socket). */
  terminateAll(): void {
    for (const m of this.managed.values()) m.child?.kill('SIGTERM');
  }
}
