// A typed JSON-RPC client over one socket connection.
import net from 'node:net';
import { BlanketError } from '../protocol/errors.js';
import { encode, LineDecoder, MAX_REPLY_BYTES } from '../protocol/framing.js';
import type { DaemonEvent, MethodName, Params, Result } from '../protocol/methods.js';
import { PROTOCOL_VERSION } from '../protocol/version.js';

/** An error reply as JSON-RPC sends it. */
interface RpcError {
  code: number;
  message: string;
  data?: unknown;
}

/** What a call still waiting is failed with when the connection closes without a reason from the daemon. */
const CUT_OFF = Symbol('cut off');

// The calls' side of JSON-RPC is done here, not by json-rpc-2.0 (which the daemon's server
// uses): a request is a numbered line and its reply settles the call with that id. Loading the
// package cost every CLI call ~5 ms of start-up (docs/performance.md).

export class Client {
  /** Calls sent and not answered yet, by id. */
  private pending = new Map<number, { resolve: (result: unknown) => void; reject: (reason: RpcError | typeof CUT_OFF) => void }>();
  private nextId = 1;
  private decoder = new LineDecoder(MAX_REPLY_BYTES, false, 256);
  /** Why the daemon is closing this connection, when it said so (an error with no id): what pending calls fail with. */
  private closeReason: BlanketError | undefined;
  private listeners = new Map<string, (event: DaemonEvent) => void>();
  private closeListeners: Array<(err?: Error) => void> = [];
  private notificationHandlers = new Map<string, (params: unknown) => void>();
  private hello: Promise<unknown>;
  closed = false;

  constructor(
    private socket: net.Socket,
    clientName = 'blanket-cli',
    /** A daemon's peer listener wants the shared store.peer_token in hello. */
    token?: string,
  ) {
    socket.on('data', (chunk: Buffer) => {
      for (const ev of this.decoder.push(chunk)) {
        if ('tooLarge' in ev) {
          this.tooLarge(ev.tooLarge, ev.head ?? '');
          continue;
        }
        if (!('line' in ev)) continue;
        let msg: { method?: string; params?: { subscription: string; event: DaemonEvent } } & Record<string, unknown>;
        try {
          msg = JSON.parse(ev.line);
        } catch {
          continue;
        }
        if (msg.method === 'event' && msg.params) this.dispatch(msg.params.subscription, msg.params.event);
        else if (typeof msg.method === 'string') this.notificationHandlers.get(msg.method)?.(msg.params);
        else if (msg.id === null && typeof msg.error === 'object' && msg.error !== null) this.closeReason = BlanketError.fromRpc(msg.error as never);
        else this.settle(msg.id, msg as { result?: unknown; error?: unknown });
      }
    });
    const onClose = (err?: Error) => {
      if (this.closed) return;
      this.closed = true;
      this.failPending();
      // The daemon's own reason, when it gave one, is the listeners' too.
      for (const f of this.closeListeners) f(err ?? this.closeReason);
    };
    socket.on('close', () => onClose());
    socket.on('error', (err) => onClose(err));
    // Pipelined: the first call goes out right behind hello without waiting for it.
    this.hello = this.raw('hello', { protocol: PROTOCOL_VERSION, client: clientName, ...(token !== undefined ? { token } : {}) });
    this.hello.catch(() => {});
  }

  /** Every call still waiting fails: with the daemon's own reason when it gave one, else as cut off. */
  private failPending(): void {
    const r = this.closeReason;
    const pending = [...this.pending.values()];
    this.pending.clear();
    for (const p of pending) p.reject(r ? { code: r.rpcCode, message: r.message, data: r.toData() } : CUT_OFF);
  }

  /** A reply: settles the call with its id (a reply to no call waiting is dropped, as JSON-RPC clients do). */
  private settle(id: unknown, reply: { result?: unknown; error?: unknown }): void {
    const p = typeof id === 'number' ? this.pending.get(id) : undefined;
    if (!p) return;
    this.pending.delete(id as number);
    const e = reply.error as Partial<RpcError> | undefined;
    if (e !== undefined && e !== null) p.reject({ code: typeof e.code === 'number' ? e.code : 0, message: String(e.message ?? 'error'), data: e.data });
    else p.resolve(reply.result);
  }

  private request(method: string, params: unknown): Promise<unknown> {
    if (this.closed) return Promise.reject(new BlanketError('DAEMON_UNAVAILABLE', 'the connection to the daemon is closed'));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.socket.write(encode({ jsonrpc: '2.0', id, method, params }));
    });
  }

  /**
   * A line over the cap is never dropped silently: a reply fails its call with REPLY_TOO_LARGE (its id
   * is in the line's head); anything else (a notification) cannot be matched, so the connection fails.
   */
  private tooLarge(bytes: number, head: string): void {
    const err = new BlanketError('REPLY_TOO_LARGE', `the daemon's reply (over ${bytes} bytes) is larger than the ${MAX_REPLY_BYTES} bytes this client reads`, {
      hint: 'ask for less (a smaller --limit or -n, a filter), or page through it',
    });
    const m = /^\{"jsonrpc":"2\.0","id":(\d+|"(?:[^"\\]|\\.)*")/.exec(head);
    if (m) {
      const id = JSON.parse(m[1]!) as number | string;
      this.settle(id, { error: { code: err.rpcCode, message: err.message, data: err.toData() } });
      return;
    }
    this.closeReason = err;
    this.socket.destroy(err);
  }

  private async raw(method: string, params: unknown): Promise<unknown> {
    try {
      return await this.request(method, params);
    } catch (err) {
      // Cut off: the daemon never answered, so the call may or may not have taken effect. That is
      // not an error it sent.
      if (err === CUT_OFF) {
        if (this.closeReason) throw this.closeReason;
        throw new BlanketError('DAEMON_UNAVAILABLE', `lost the daemon before it answered ${method}`, { hint: "check 'blanket daemon status' and the daemon log" });
      }
      if (err instanceof BlanketError) throw err;
      if (typeof err === 'object' && err !== null && 'code' in err && 'message' in err) throw olderDaemon(method, BlanketError.fromRpc(err as RpcError));
      throw new BlanketError('DAEMON_UNAVAILABLE', `lost the daemon: ${(err as Error).message}`, { hint: "check 'blanket daemon status' and the daemon log" });
    }
  }

  async call<M extends MethodName>(method: M, params: Params<M>): Promise<Result<M>> {
    const res = this.raw(method, params);
    res.catch(() => {});
    try {
      await this.hello;
    } catch (err) {
      // A call the daemon refuses and hangs up on (an unknown method) can be answered before the
      // pipelined hello: then its own error says what went wrong, not the cut-off hello.
      const own = await res.then(
        () => undefined,
        (e: unknown) => e,
      );
      throw own instanceof BlanketError && own.code !== 'DAEMON_UNAVAILABLE' ? own : err;
    }
    return (await res) as Result<M>;
  }

  /** The daemon's answer to hello: its version, pid and limits. */
  async server(): Promise<Result<'hello'>> {
    return (await this.hello) as Result<'hello'>;
  }

  /** Events for a subscription whose reply has not been read yet (they can overtake it). */
  private early = new Map<string, DaemonEvent[]>();
  private earlyCount = 0;

  private dispatch(subscription: string, event: DaemonEvent): void {
    const l = this.listeners.get(subscription);
    if (l) return l(event);
    if (this.earlyCount >= 100_000) return;
    this.earlyCount++;
    const list = this.early.get(subscription) ?? [];
    list.push(event);
    this.early.set(subscription, list);
  }

  /**
   * Call a method that opens a subscription (its result has `subscription`); the listener gets
   * every event of it, including any that arrived before the reply.
   */
  async subscribeVia<M extends 'events.subscribe' | 'logs.follow'>(method: M, params: Params<M>, listener: (event: DaemonEvent) => void): Promise<Result<M>> {
    const result = await this.call(method, params);
    const { subscription } = result as { subscription: string };
    this.listeners.set(subscription, listener);
    const early = this.early.get(subscription) ?? [];
    this.early.delete(subscription);
    this.earlyCount -= early.length;
    for (const e of early) listener(e);
    return result;
  }

  /** Subscribe to events; the listener runs for each until unsubscribe or close. */
  async subscribe(filter: Params<'events.subscribe'>, listener: (event: DaemonEvent) => void): Promise<() => Promise<void>> {
    const { subscription } = await this.subscribeVia('events.subscribe', filter, listener);
    return async () => {
      this.listeners.delete(subscription);
      if (!this.closed) await this.call('events.unsubscribe', { subscription });
    };
  }

  /** Server → client notifications other than subscription events (e.g. a worker's `control`). */
  onNotification(method: string, handler: (params: unknown) => void): void {
    this.notificationHandlers.set(method, handler);
  }

  onClose(f: (err?: Error) => void): void {
    this.closeListeners.push(f);
  }

  close(): void {
    this.closed = true;
    this.socket.end();
    this.socket.destroy();
  }
}

/**
 * The JSON-RPC library's own "Method not found" (no hint: not a refusal of ours) for a method this
 * client has: the daemon is older than the installed blanket, typically one started before an upgrade.
 */
function olderDaemon(method: string, err: BlanketError): BlanketError {
  if (err.code !== 'METHOD_NOT_FOUND' || err.hint !== undefined || err.message !== 'Method not found') return err;
  return new BlanketError('METHOD_NOT_FOUND', `the daemon does not know ${method}: it is older than this blanket (started before an upgrade?)`, {
    hint: "restart it to run the installed version: 'blanket daemon restart' (the queue and running tasks are kept)",
    details: { ...err.details, method },
  });
}
