// The dashboard's data source: connects through the injected connector,
// loads a snapshot, then applies subscribed events to local state and
// publishes it at most `fps` times a second, however fast events come.
// Reconnects with backoff when the connection closes. Hooks read it through
// subscribe/getSnapshot (useSyncExternalStore); nothing here knows React.
import { systemClock, type Clock, type Connector, type LogEvent, type TopClient, type TopEvent, type WorkerInfo } from './data.js';
import { applyEvent, loaded, statusLoaded, tick, workerChanged, workersLoaded } from './reducer.js';
import { initialState, QUEUE_WINDOW, type DashboardState, type Scope } from './state.js';
import { throttle, type Throttled } from './throttle.js';
import { connectionChanged, detailsClosed, detailsFailed, detailsLoaded, detailsOpened, logAppended, logFailed, logFollowed, logTailLoaded, noticed } from './updates.js';

export interface FeedOptions {
  connect: Connector;
  clock?: Clock;
  scope?: Scope;
  /** Publishes (and so renders) per second at most. Default 10. */
  fps?: number;
}

/** Lines of a task's output fetched when it is selected. */
export const LOG_TAIL = 200;
/** Selection must rest this long before its log is followed (scrolling past tasks subscribes to none). */
export const FOLLOW_DELAY_MS = 150;
/** daemon.status and worker.ls are refreshed at most this often, and only while events arrive. */
export const STATUS_EVERY_MS = 2000;
/** A window that ran low or lost track is refetched after this long. */
export const REFILL_DELAY_MS = 1000;

export function reconnectDelay(attempt: number): number {
  return Math.min(5000, 250 * 2 ** Math.max(1, attempt));
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function isMethodMissing(err: unknown): boolean {
  return (err as { code?: unknown } | null)?.code === 'METHOD_NOT_FOUND';
}

/** A method this daemon does not have (an older daemon); top goes on without it. */
export class MissingMethod extends Error {
  constructor(readonly method: string) {
    super(`this daemon has no ${method} (upgrade it, then 'blanket daemon restart')`);
  }
}

export class DashboardFeed {
  private state: DashboardState;
  private published: DashboardState;
  private readonly listeners = new Set<() => void>();
  private readonly clock: Clock;
  private readonly connect: Connector;
  private readonly publish: Throttled;
  private readonly refreshStatus: Throttled;
  private client: TopClient | undefined;
  private stopped = false;
  private connecting = false;
  private everConnected = false;
  /** Events that arrive while a snapshot loads, replayed onto it. */
  private buffer: TopEvent[] | undefined;
  private timers = new Set<unknown>();
  private wake: (() => void) | undefined;
  private refillPending = false;
  private followId: string | undefined;
  private followTimer: unknown;
  private logGen = 0;
  private stopLog: (() => Promise<void>) | undefined;
  /**
   * Methods the daemon answered METHOD_NOT_FOUND. The daemon closes the
   * connection on that error, so they are not asked again after the reconnect.
   */
  private missing = new Set<string>();
  /** How many times state was published; tests read it. */
  publishes = 0;

  constructor(opts: FeedOptions) {
    this.clock = opts.clock ?? systemClock;
    this.connect = opts.connect;
    this.state = initialState(this.clock.now(), opts.scope ?? {});
    this.published = this.state;
    this.publish = throttle(() => this.publishNow(), Math.round(1000 / (opts.fps ?? 10)), this.clock);
    this.refreshStatus = throttle(() => void this.fetchStatus(), STATUS_EVERY_MS, this.clock);
  }

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  getSnapshot = (): DashboardState => this.published;

  start(): void {
    this.scheduleTick();
    void this.connectLoop();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    // A follow still subscribing sees a new generation and unsubscribes itself.
    this.logGen++;
    for (const t of this.timers) this.clock.clearTimeout(t);
    this.timers.clear();
    this.clock.clearTimeout(this.followTimer);
    this.publish.cancel();
    this.refreshStatus.cancel();
    this.wake?.();
    const stopLog = this.stopLog;
    this.stopLog = undefined;
    await stopLog?.().catch(() => {});
    this.client?.close();
    this.client = undefined;
  }

  /** Follow this task's output in state.log (undefined: follow none). */
  follow(id: string | undefined): void {
    if (id === this.followId) return;
    this.followId = id;
    this.clock.clearTimeout(this.followTimer);
    this.followTimer = this.clock.setTimeout(() => {
      this.followTimer = undefined;
      void this.startFollow();
    }, FOLLOW_DELAY_MS);
  }

  openDetails(id: string): void {
    this.update((s) => detailsOpened(s, id));
    this.publish.flush();
    void this.act(
      async (c) => {
        const show = await c.call('show', { id });
        this.update((s) => detailsLoaded(s, show));
      },
      (err) => this.update((s) => detailsFailed(s, id, message(err))),
    );
  }

  closeDetails(): void {
    this.update(detailsClosed);
  }

  kill(id: string): Promise<void> {
    return this.act(async (c) => {
      const r = await this.optional('kill', () => c.call('kill', { ids: [id] }));
      const text = r.stopping.includes(id) ? `stopping ${id}` : r.cancelled.includes(id) ? `cancelled ${id}` : `${id} was neither running nor queued`;
      this.notice(text, 'info');
    });
  }

  rerun(id: string): Promise<void> {
    return this.act(async (c) => {
      const r = await this.optional('rerun', () => c.call('rerun', { id }));
      this.notice([`rerun of ${id} is ${r.task.id}`, ...r.warnings].join('; '), 'info');
    });
  }

  /** Pause a running worker, resume a paused one. */
  toggleWorker(worker: WorkerInfo): Promise<void> {
    const resume = worker.state === 'paused';
    return this.act(async (c) => {
      const w = await this.optional(resume ? 'worker.resume' : 'worker.pause', () => c.call(resume ? 'worker.resume' : 'worker.pause', { id: worker.id }));
      this.update((s) => noticed(workerChanged(s, w), `${resume ? 'resumed' : 'paused'} worker ${w.name}`, 'info', this.clock.now()));
    });
  }

  /** Show a message in the footer for a few seconds. */
  say(text: string): void {
    this.notice(text, 'info');
  }

  private notice(text: string, level: 'info' | 'error'): void {
    this.update((s) => noticed(s, text, level, this.clock.now()));
  }

  /** Run an action against the current client; failures become a notice. */
  private async act(fn: (c: TopClient) => Promise<void>, onError?: (err: unknown) => void): Promise<void> {
    const c = this.client;
    try {
      if (!c) throw new Error('not connected to the daemon');
      await fn(c);
    } catch (err) {
      if (onError) onError(err);
      else this.notice(message(err), 'error');
    }
  }

  /** Call a method the daemon may lack: remembers a missing one and throws MissingMethod from then on. */
  private async optional<T>(method: string, fn: () => Promise<T>): Promise<T> {
    if (this.missing.has(method)) throw new MissingMethod(method);
    try {
      return await fn();
    } catch (err) {
      if (!isMethodMissing(err)) throw err;
      this.missing.add(method);
      throw new MissingMethod(method);
    }
  }

  private update(fn: (s: DashboardState) => DashboardState): void {
    // Answers that land after stop() change nothing and set no timer.
    if (this.stopped) return;
    this.state = fn(this.state);
    this.publish();
    if (this.state.stale) this.scheduleRefill();
  }

  private publishNow(): void {
    this.published = this.state;
    this.publishes++;
    for (const l of this.listeners) l();
  }

  private later(ms: number, fn: () => void): void {
    const t = this.clock.setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    this.timers.add(t);
  }

  private scheduleTick(): void {
    if (this.stopped) return;
    const now = this.clock.now();
    this.later(1000 - (now % 1000), () => {
      this.update((s) => tick(s, this.clock.now()));
      this.scheduleTick();
    });
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.wake = resolve;
      this.later(ms, resolve);
    });
  }

  private async connectLoop(): Promise<void> {
    if (this.connecting) return;
    this.connecting = true;
    try {
      for (let attempt = this.everConnected ? 1 : 0; !this.stopped; attempt++) {
        let client: TopClient | undefined;
        try {
          client = await this.connect(attempt);
          if (this.stopped) {
            client.close();
            return;
          }
          this.client = client;
          const c = client;
          client.onClose(() => this.closed(c));
          await this.load(client, true);
          this.everConnected = true;
          // A new connection has none of the old one's subscriptions: follow again (unless a follow is due anyway).
          if (this.followId !== undefined && this.followTimer === undefined) void this.startFollow();
          return;
        } catch (err) {
          if (this.stopped) return;
          if (client && this.client === client) this.client = undefined;
          client?.close();
          const delay = reconnectDelay(attempt + 1);
          this.update((s) => connectionChanged(s, 'reconnecting', { error: message(err), retryAt: this.clock.now() + delay }));
          await this.sleep(delay);
        }
      }
    } finally {
      this.connecting = false;
    }
  }

  private closed(client: TopClient): void {
    if (client !== this.client || this.stopped) return;
    this.client = undefined;
    this.stopLog = undefined;
    this.buffer = undefined;
    this.update((s) => connectionChanged(s, 'reconnecting', { error: 'the daemon closed the connection', retryAt: this.clock.now() }));
    void this.connectLoop();
  }

  /** Fetch a snapshot (subscribing first, on a new connection) and replay what arrived meanwhile. */
  private async load(client: TopClient, subscribe: boolean): Promise<void> {
    this.buffer = [];
    try {
      if (subscribe) await client.subscribe({ kinds: ['task', 'worker', 'daemon'] }, (e) => this.onEvent(client, e));
      const { type, label } = this.state.scope;
      const [ps, workers, status] = await Promise.all([
        client.call('ps', { limit: QUEUE_WINDOW, ...(type !== undefined ? { type } : {}), ...(label !== undefined ? { label } : {}) }),
        // Optional: a daemon without workers or stats still gets a dashboard.
        this.optional('worker.ls', () => client.call('worker.ls', {})).then(
          (r) => r.workers,
          () => undefined,
        ),
        client.call('daemon.status', {}).catch(() => undefined),
      ]);
      if (client !== this.client) throw new Error('the daemon closed the connection');
      const buffered = this.buffer ?? [];
      this.buffer = undefined;
      const now = this.clock.now();
      this.update((s) =>
        buffered.reduce((acc, e) => applyEvent(acc, e, now, { replay: true }), loaded(s, { ps, ...(workers ? { workers } : {}), ...(status ? { status } : {}) }, now)),
      );
      this.publish.flush();
    } finally {
      if (client === this.client) this.buffer = undefined;
    }
  }

  private onEvent(client: TopClient, e: TopEvent): void {
    if (client !== this.client || e.kind === 'log') return;
    if (this.buffer) {
      this.buffer.push(e);
      return;
    }
    this.update((s) => applyEvent(s, e, this.clock.now()));
    this.refreshStatus();
  }

  /** Memory for the sparkline; workers for their heartbeats, which come with no event. */
  private async fetchStatus(): Promise<void> {
    const c = this.client;
    if (!c || this.buffer) return;
    try {
      const [status, workers] = await Promise.all([c.call('daemon.status', {}), this.missing.has('worker.ls') ? undefined : c.call('worker.ls', {}).then((r) => r.workers)]);
      if (c === this.client) this.update((s) => (workers ? workersLoaded(statusLoaded(s, status), workers) : statusLoaded(s, status)));
    } catch {
      // A missed sample only leaves a gap in the sparkline.
    }
  }

  private scheduleRefill(): void {
    if (this.refillPending || this.stopped) return;
    this.refillPending = true;
    this.later(REFILL_DELAY_MS, () => {
      this.refillPending = false;
      const c = this.client;
      if (!c || this.buffer) {
        if (this.state.stale) this.scheduleRefill();
        return;
      }
      this.load(c, false).catch(() => {});
    });
  }

  private async startFollow(): Promise<void> {
    const gen = ++this.logGen;
    const id = this.followId;
    const client = this.client;
    const prev = this.stopLog;
    this.stopLog = undefined;
    prev?.().catch(() => {});
    this.update((s) => logFollowed(s, id));
    if (id === undefined || !client) return;
    // Output that overtakes the reply goes after the tail it follows.
    let early: LogEvent[] | undefined = [];
    try {
      const f = await this.optional('logs.follow', () =>
        client.followLog({ id, lines: LOG_TAIL }, (e) => {
          if (gen !== this.logGen || e.kind !== 'log' || e.id !== id) return;
          if (early) early.push(e);
          else this.update((s) => logAppended(s, id, e.data, e.stream === 'stderr' ? 'stderr' : 'stdout'));
        }),
      );
      if (gen !== this.logGen) {
        f.stop().catch(() => {});
        return;
      }
      this.stopLog = f.stop;
      const pending = early;
      early = undefined;
      this.update((s) => {
        let next = logTailLoaded(s, id, f.text);
        for (const e of pending) next = logAppended(next, id, e.data, e.stream === 'stderr' ? 'stderr' : 'stdout');
        return next;
      });
    } catch (err) {
      early = undefined;
      if (gen === this.logGen) this.update((s) => logFailed(s, id, message(err)));
    }
  }
}
