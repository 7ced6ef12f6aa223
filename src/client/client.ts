// A typed JSON-RPC client over one socket connection.
import net from 'node:net';
import { JSONRPCClient, JSONRPCErrorException } from 'json-rpc-2.0';
import { BlanketError } from '../protocol/errors.js';
import { encode, LineDecoder } from '../protocol/framing.js';
import { PROTOCOL_VERSION, type DaemonEvent, type MethodName, type Params, type Result } from '../protocol/methods.js';

export class Client {
  private rpc: JSONRPCClient;
  private decoder = new LineDecoder(64 * 1024 * 1024);
  private listeners = new Map<string, (event: DaemonEvent) => void>();
  private closeListeners: Array<(err?: Error) => void> = [];
  private hello: Promise<unknown>;
  closed = false;

  constructor(private socket: net.Socket, clientName = 'blanket-cli') {
    this.rpc = new JSONRPCClient((req) => {
      if (this.closed) throw new BlanketError('DAEMON_UNAVAILABLE', 'the connection to the daemon is closed');
      socket.write(encode(req));
    });
    socket.on('data', (chunk: Buffer) => {
      for (const ev of this.decoder.push(chunk)) {
        if (!('line' in ev)) continue;
        let msg: { method?: string; params?: { subscription: string; event: DaemonEvent } } & Record<string, unknown>;
        try {
          msg = JSON.parse(ev.line);
        } catch {
          continue;
        }
        if (msg.method === 'event' && msg.params) this.listeners.get(msg.params.subscription)?.(msg.params.event);
        else this.rpc.receive(msg as never);
      }
    });
    const onClose = (err?: Error) => {
      if (this.closed) return;
      this.closed = true;
      this.rpc.rejectAllPendingRequests('the daemon closed the connection');
      for (const f of this.closeListeners) f(err);
    };
    socket.on('close', () => onClose());
    socket.on('error', (err) => onClose(err));
    // Pipelined: the first call goes out right behind hello without waiting for it.
    this.hello = this.raw('hello', { protocol: PROTOCOL_VERSION, client: clientName });
    this.hello.catch(() => {});
  }

  private async raw(method: string, params: unknown): Promise<unknown> {
    try {
      return await this.rpc.request(method, params as never);
    } catch (err) {
      if (err instanceof JSONRPCErrorException) throw BlanketError.fromRpc(err);
      if (err instanceof BlanketError) throw err;
      throw new BlanketError('DAEMON_UNAVAILABLE', `lost the daemon: ${(err as Error).message}`, { hint: "check 'blanket daemon status' and the daemon log" });
    }
  }

  async call<M extends MethodName>(method: M, params: Params<M>): Promise<Result<M>> {
    const res = this.raw(method, params);
    res.catch(() => {});
    await this.hello;
    return (await res) as Result<M>;
  }

  /** Subscribe to events; the listener runs for each until unsubscribe or close. */
  async subscribe(filter: Params<'events.subscribe'>, listener: (event: DaemonEvent) => void): Promise<() => Promise<void>> {
    const { subscription } = await this.call('events.subscribe', filter);
    this.listeners.set(subscription, listener);
    return async () => {
      this.listeners.delete(subscription);
      if (!this.closed) await this.call('events.unsubscribe', { subscription });
    };
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
