// A TopClient over canned data: records every call, lets a test push
// events and drop the connection as a restarting daemon would.
import { BlanketError } from '../../../src/protocol/errors.js';
import type { Task } from '../../../src/protocol/model.js';
import type { LogFollow, TopClient, TopEvent, TopMethod, TopMethods, TopStatus, TopSubscribeFilter, WorkerInfo } from '../../../src/ui/data.js';
import { ps, T0 } from './fixtures.js';

type Handlers = { [M in TopMethod]?: (params: TopMethods[M]['params']) => TopMethods[M]['result'] | Promise<TopMethods[M]['result']> };

export interface FakeData {
  tasks?: Task[];
  /** Undefined: worker.ls is not a method of this daemon. */
  workers?: WorkerInfo[];
  status?: Partial<TopStatus>;
  logs?: Record<string, string>;
}

export class FakeClient implements TopClient {
  calls: Array<{ method: string; params: unknown }> = [];
  subs = new Map<number, { filter: TopSubscribeFilter; listener: (e: TopEvent) => void }>();
  closed = false;
  /** Whether the daemon has logs.follow. */
  hasFollow = true;
  /** Runs inside a logs.follow before it answers (to send output that overtakes the reply). */
  beforeFollowReply: ((id: string) => void) | undefined;
  /** Drop the connection after answering an unknown method, as the daemon does. */
  closeOnUnknown = false;
  handlers: Handlers;
  private closeListeners: Array<(err?: Error) => void> = [];
  private seq = 0;

  constructor(public data: FakeData = {}) {
    const status: TopStatus = {
      pid: 1234,
      version: '0.1.0',
      startedAt: T0 - 3_723_000,
      counts: ps(data.tasks ?? []).counts,
      rss: 48 * 1024 * 1024,
      ...data.status,
    };
    this.handlers = {
      ps: () => ps(this.data.tasks ?? []),
      'daemon.status': () => status,
      show: ({ id }) => {
        const task = (this.data.tasks ?? []).find((t) => t.id === id);
        if (!task) throw new BlanketError('NOT_FOUND', `no task ${id}`);
        return { task, dependents: [] };
      },
      kill: ({ ids }) => ({ stopping: ids, cancelled: [] }),
      rerun: ({ id }) => ({ task: { ...(this.data.tasks ?? []).find((t) => t.id === id)!, id: '0mrerun1', state: 'WAITING' }, warnings: [] }),
      'worker.pause': ({ id }) => ({ ...this.data.workers!.find((w) => w.id === id)!, state: 'paused' }),
      'worker.resume': ({ id }) => ({ ...this.data.workers!.find((w) => w.id === id)!, state: 'running' }),
    };
    if (data.workers) this.handlers['worker.ls'] = () => ({ workers: this.data.workers! });
  }

  async call<M extends TopMethod>(method: M, params: TopMethods[M]['params']): Promise<TopMethods[M]['result']> {
    this.calls.push({ method, params });
    if (this.closed) throw new BlanketError('DAEMON_UNAVAILABLE', 'the connection to the daemon is closed');
    const h = this.handlers[method] as ((p: unknown) => TopMethods[M]['result']) | undefined;
    if (!h) {
      // Like today's daemon: an unknown method is a fatal protocol error that ends the connection.
      if (this.closeOnUnknown) queueMicrotask(() => this.drop());
      throw new BlanketError('METHOD_NOT_FOUND', `unknown method ${method}`);
    }
    return h(params);
  }

  async subscribe(filter: TopSubscribeFilter, listener: (e: TopEvent) => void): Promise<() => Promise<void>> {
    this.calls.push({ method: 'events.subscribe', params: filter });
    if (this.closed) throw new BlanketError('DAEMON_UNAVAILABLE', 'the connection to the daemon is closed');
    const id = ++this.seq;
    this.subs.set(id, { filter, listener });
    return async () => {
      this.subs.delete(id);
    };
  }

  async followLog(params: { id: string; lines: number }, listener: (e: TopEvent) => void): Promise<LogFollow> {
    this.calls.push({ method: 'logs.follow', params });
    if (this.closed) throw new BlanketError('DAEMON_UNAVAILABLE', 'the connection to the daemon is closed');
    if (!this.hasFollow) {
      if (this.closeOnUnknown) queueMicrotask(() => this.drop());
      throw new BlanketError('METHOD_NOT_FOUND', 'unknown method logs.follow');
    }
    const id = ++this.seq;
    this.subs.set(id, { filter: { ids: [params.id], kinds: ['log'] }, listener });
    this.beforeFollowReply?.(params.id);
    const task = (this.data.tasks ?? []).find((t) => t.id === params.id);
    return {
      text: this.data.logs?.[params.id] ?? '',
      done: task !== undefined && !['WAITING', 'CLAIMED', 'RUNNING'].includes(task.state),
      stop: async () => {
        this.calls.push({ method: 'events.unsubscribe', params: { subscription: `log${id}` } });
        this.subs.delete(id);
      },
    };
  }

  /** Deliver an event to every subscription whose filter takes it. */
  emit(e: TopEvent): void {
    for (const { filter, listener } of [...this.subs.values()]) {
      const kind = e.kind === 'task.removed' ? 'task' : e.kind === 'log.end' ? 'log' : e.kind;
      if (filter.kinds && !filter.kinds.includes(kind)) continue;
      const id = e.kind === 'task' ? e.task.id : e.kind === 'log' || e.kind === 'log.end' || e.kind === 'task.removed' ? e.id : undefined;
      if (filter.ids && (id === undefined || !filter.ids.includes(id))) continue;
      listener(e);
    }
  }

  named(method: string): unknown[] {
    return this.calls.filter((c) => c.method === method).map((c) => c.params);
  }

  onClose(f: (err?: Error) => void): void {
    this.closeListeners.push(f);
  }

  /** Closed by its owner: no close event, like the real client; nothing more is delivered. */
  close(): void {
    this.closed = true;
    this.subs.clear();
  }

  /** The daemon went away. */
  drop(): void {
    if (this.closed) return;
    this.closed = true;
    this.subs.clear();
    for (const f of this.closeListeners) f(new Error('socket closed'));
  }
}
