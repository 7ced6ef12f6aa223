// The socket server: framing, handshake, dispatch through the typed registry.
import { chmodSync, unlinkSync } from 'node:fs';
import { createRequire } from 'node:module';
import net from 'node:net';
import type tls from 'node:tls';
import { JSONRPCServer, type JSONRPCResponse } from 'json-rpc-2.0';
import { BlanketError, ERRORS } from '../protocol/errors.js';
import { MAX_REPLY_BYTES } from '../protocol/framing.js';
import { methods, PROTOCOL_VERSION, type MethodName } from '../protocol/methods.js';
import { Connection } from './connection.js';
import type { CallContext, Daemon, HandlerRegistry } from './context.js';
import { isFatalRpcCode, toBlanketError, toRpcException } from './errors.js';

const HANDSHAKE_TIMEOUT_MS = 10_000;
const IDLE_TIMEOUT_MS = 10 * 60_000;
/** Calls of one connection handled at once; more wait in its queue. */
const MAX_IN_FLIGHT = 32;
/** Past this many waiting lines the connection is not read (TCP-style backpressure), so a fast sender cannot grow our memory. */
const MAX_QUEUED = 256;
/** Calls in one JSON-RPC batch. */
export const MAX_BATCH = 100;
/** Connections at once (workers, CLIs, dashboards); more are refused, so a flood cannot use up our file descriptors. */
const MAX_CONNECTIONS = 1000;

/** What a peer daemon may call on the TLS listener: read output, nothing else. */
const PEER_METHODS = new Set(['hello', 'logs', 'logs.follow', 'events.unsubscribe']);

// node:tls and node:crypto only once there is a peer listener: a daemon without one does not
// load them (docs/performance.md, "Footprint").
const requireBuiltin = createRequire(import.meta.url);

/** Compared in constant time (hashed first, so lengths do not show either). */
function sameToken(a: string, b: string): boolean {
  const { createHash, timingSafeEqual } = requireBuiltin('node:crypto') as typeof import('node:crypto');
  const h = (x: string) => createHash('sha256').update(x).digest();
  return timingSafeEqual(h(a), h(b));
}

export function createDispatcher(handlers: HandlerRegistry, log: Daemon['log']): JSONRPCServer<CallContext> {
  const rpc = new JSONRPCServer<CallContext>({ errorListener: () => {} });
  for (const name of Object.keys(methods) as MethodName[]) {
    const spec = methods[name];
    const handler = handlers[name] as (p: unknown, ctx: CallContext) => Promise<unknown>;
    rpc.addMethod(name, async (params, ctx) => {
      let parsed: unknown;
      try {
        parsed = spec.params.parse(params ?? {});
      } catch (err) {
        throw toRpcException(new BlanketError('INVALID_PARAMS', `${name}: ${(err as Error).message}`, { hint: 'see docs/protocol.md for the method params' }));
      }
      try {
        return await handler(parsed, ctx);
      } catch (err) {
        const be = toBlanketError(err);
        if (be.code === 'INTERNAL') log.error('handler failed', { method: name, err: String((err as Error)?.stack ?? err) });
        throw toRpcException(be);
      }
    });
  }
  return rpc;
}

function validId(id: unknown): boolean {
  return id === null || (typeof id === 'number' && Number.isFinite(id)) || (typeof id === 'string' && id.length <= 256);
}

function errorResponse(id: unknown, code: keyof typeof ERRORS, message: string, hint?: string) {
  return { jsonrpc: '2.0', id: validId(id) ? id : null, error: { code: ERRORS[code].rpc, message, data: { code, ...(hint ? { hint } : {}) } } };
}

/** A reply over what a client reads becomes a REPLY_TOO_LARGE error for that call: an answer, never a hang. */
export function encodeReply(r: JSONRPCResponse): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(r);
  } catch (err) {
    if (!(err instanceof RangeError)) throw err; // a string longer than V8 allows is over the cap too
  }
  if (text !== undefined && Buffer.byteLength(text) < MAX_REPLY_BYTES) return text;
  return JSON.stringify(
    errorResponse(r.id, 'REPLY_TOO_LARGE', `the reply is larger than the ${MAX_REPLY_BYTES} bytes a client reads`, 'ask for less (a smaller limit, a filter), or page through it'),
  );
}

function encodeReplies(list: JSONRPCResponse[], batch: boolean): string {
  const items = list.map(encodeReply);
  return (batch ? `[${items.join(',')}]` : items[0]!) + '\n';
}

export class Server {
  private server: net.Server | undefined;
  private peerServer: tls.Server | undefined;
  /** Connections on the peer listener, with the token they must present. */
  private peers = new WeakMap<Connection, string>();
  private conns = new Set<Connection>();
  private nextId = 1;

  constructor(
    private daemon: Daemon,
    private rpc: JSONRPCServer<CallContext>,
  ) {}

  async listen(socketPath: string): Promise<void> {
    if (process.platform !== 'win32') {
      try {
        unlinkSync(socketPath); // we hold the store lock, so a socket here is stale
      } catch {
        // none
      }
    }
    const server = net.createServer((socket) => this.accept(socket));
    server.maxConnections = MAX_CONNECTIONS;
    this.server = server;
    const oldMask = process.umask(0o177);
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(socketPath, () => {
          server.off('error', reject);
          resolve();
        });
      });
    } finally {
      process.umask(oldMask);
    }
    if (process.platform !== 'win32') chmodSync(socketPath, 0o600);
    // After listening, errors (e.g. EMFILE on accept) are the listener's to survive, not to die of.
    server.on('error', (err) => this.daemon.log.error('socket server error', { err: String(err) }));
  }

  /** The peer listener: TLS with this key and certificate, hello must carry `token`; only PEER_METHODS. Resolves with its port. */
  async listenPeers(o: { host: string; port: number; key: string; cert: string; token: string }): Promise<number> {
    const server = (requireBuiltin('node:tls') as typeof tls).createServer({ key: o.key, cert: o.cert, minVersion: 'TLSv1.2' }, (socket) => this.accept(socket, o.token));
    server.maxConnections = MAX_CONNECTIONS;
    server.on('tlsClientError', (err, socket) => this.daemon.log.warn('a peer connection failed its TLS handshake', { from: socket.remoteAddress, err: err.message }));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(o.port, o.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    server.on('error', (err) => this.daemon.log.error('peer listener error', { err: String(err) }));
    this.peerServer = server;
    return (server.address() as net.AddressInfo).port;
  }

  private accept(socket: net.Socket, peerToken?: string): void {
    const conn = new Connection(this.nextId++, socket, this.daemon.config.maxMessageBytes);
    if (peerToken !== undefined) this.peers.set(conn, peerToken);
    this.conns.add(conn);
    conn.onClose.push(() => this.conns.delete(conn));
    socket.on('error', () => {});
    const handshake = setTimeout(() => {
      if (!conn.helloed) conn.end(errorResponse(null, 'HANDSHAKE_REQUIRED', `no hello within ${HANDSHAKE_TIMEOUT_MS / 1000}s`));
    }, HANDSHAKE_TIMEOUT_MS);
    handshake.unref();
    socket.setTimeout(IDLE_TIMEOUT_MS, () => {
      if (conn.subscriptions.size === 0) conn.end();
    });
    conn.onClose.push(() => clearTimeout(handshake));
    // Lines are handled in order of arrival, at most MAX_IN_FLIGHT at once; a long queue pauses reading.
    const queue: string[] = [];
    const pump = () => {
      while (conn.inFlight < MAX_IN_FLIGHT && queue.length > 0 && !conn.closed) {
        conn.inFlight++;
        void this.onLine(conn, queue.shift()!).finally(() => {
          conn.inFlight--;
          pump();
          if (this.drained && ![...this.conns].some((c) => c.inFlight > 0)) this.drained();
        });
      }
      if (conn.closed) queue.length = 0;
      else if (queue.length >= MAX_QUEUED) socket.pause();
      else if (socket.isPaused()) socket.resume();
    };
    socket.on('data', (chunk: Buffer) => {
      for (const ev of conn.decoder.push(chunk)) {
        if (conn.closed) return;
        if ('tooLarge' in ev) {
          conn.end(
            errorResponse(
              null,
              'MESSAGE_TOO_LARGE',
              `message larger than ${this.daemon.config.maxMessageBytes} bytes`,
              'send smaller messages, or raise max_message_bytes in config.toml',
            ),
          );
          return;
        }
        if ('invalidUtf8' in ev) {
          conn.end(errorResponse(null, 'PARSE_ERROR', 'the message is not valid UTF-8', 'send one JSON-RPC 2.0 object per line, in UTF-8'));
          return;
        }
        queue.push(ev.line);
      }
      pump();
    });
  }

  /** One line. Whatever goes wrong in it ends this connection only (and is logged): never the daemon. */
  private async onLine(conn: Connection, line: string): Promise<void> {
    try {
      await this.handleLine(conn, line);
    } catch (err) {
      this.daemon.log.error('connection dropped: a message could not be handled', { conn: conn.id, err: String((err as Error)?.stack ?? err) });
      conn.socket.destroy();
    }
  }

  private async handleLine(conn: Connection, line: string): Promise<void> {
    let msg: unknown;
    try {
      msg = JSON.parse(line);
    } catch {
      conn.end(errorResponse(null, 'PARSE_ERROR', 'the message is not valid JSON', 'send one JSON-RPC 2.0 object per line'));
      return;
    }
    // What the JSON-RPC library would choke on (null in a batch) or spend without bound on (a huge batch).
    if (Array.isArray(msg) && msg.length > MAX_BATCH) {
      conn.end(errorResponse(null, 'INVALID_REQUEST', `a batch of ${msg.length} calls; at most ${MAX_BATCH} are accepted`, 'send fewer calls per batch'));
      return;
    }
    if (Array.isArray(msg) && msg.some((m) => typeof m !== 'object' || m === null || Array.isArray(m))) {
      conn.end(errorResponse(null, 'INVALID_REQUEST', 'every call in a batch must be a JSON-RPC 2.0 request object', 'send one JSON-RPC 2.0 object per line'));
      return;
    }
    // An id is echoed in the reply: one that is not a string, number or null (a deeply nested array, say) is refused, not echoed.
    if ((Array.isArray(msg) ? msg : [msg]).some((m) => typeof m === 'object' && m !== null && 'id' in m && !validId((m as { id: unknown }).id))) {
      conn.end(errorResponse(null, 'INVALID_REQUEST', 'a request id must be a string (at most 256 characters), a number or null', 'send one JSON-RPC 2.0 object per line'));
      return;
    }
    const first = Array.isArray(msg) ? msg[0] : msg;
    const method = typeof first === 'object' && first !== null ? (first as { method?: unknown }).method : undefined;
    const reqId = typeof first === 'object' && first !== null ? (first as { id?: unknown }).id : null;
    if (!conn.helloed) {
      if (method !== 'hello') {
        conn.end(errorResponse(reqId, 'HANDSHAKE_REQUIRED', 'the first call on a connection must be hello', `call hello with {"protocol": ${PROTOCOL_VERSION}}`));
        return;
      }
      const params = (first as { params?: { protocol?: unknown } }).params;
      if (params?.protocol !== PROTOCOL_VERSION) {
        conn.end(
          errorResponse(
            reqId,
            'PROTOCOL_VERSION',
            `protocol version ${String(params?.protocol)} is not supported; this daemon speaks ${PROTOCOL_VERSION}`,
            "restart the daemon after upgrading: 'blanket daemon restart'",
          ),
        );
        return;
      }
      const token = this.peers.get(conn);
      if (token !== undefined) {
        const given = (params as { token?: unknown }).token;
        if (typeof given !== 'string' || !sameToken(given, token)) {
          this.daemon.log.warn('refused a peer daemon: wrong or missing store.peer_token', {
            from: conn.socket.remoteAddress,
            client: String((params as { client?: unknown }).client ?? ''),
          });
          conn.end(
            errorResponse(
              reqId,
              'PEER_REFUSED',
              `${this.daemon.host ?? 'this daemon'} refused the connection: wrong or missing store.peer_token`,
              'set the same store.peer_token (or BLANKET_PEER_TOKEN) on every host and restart their daemons',
            ),
          );
          return;
        }
      }
      conn.helloed = true;
    }
    if (this.peers.has(conn)) {
      const calls = (Array.isArray(msg) ? msg : [msg]) as Array<{ method?: unknown; id?: unknown }>;
      const denied = calls.find((m) => typeof m !== 'object' || m === null || !PEER_METHODS.has(String(m.method)));
      if (denied) {
        conn.sendLine(JSON.stringify(errorResponse(denied?.id ?? null, 'METHOD_NOT_FOUND', `a peer daemon may call only ${[...PEER_METHODS].join(', ')}`)) + '\n');
        return;
      }
    }
    if (typeof msg !== 'object' || msg === null) {
      conn.end(errorResponse(null, 'INVALID_REQUEST', 'not a JSON-RPC 2.0 request object', 'send one JSON-RPC 2.0 object per line'));
      return;
    }
    let res: JSONRPCResponse | JSONRPCResponse[] | null;
    try {
      res = await this.rpc.receive(msg as never, { daemon: this.daemon, conn });
    } catch (err) {
      res = errorResponse(reqId, 'INTERNAL', String(err)) as JSONRPCResponse;
    }
    if (!res) return;
    const list = Array.isArray(res) ? res : [res];
    if (list.length === 0) return;
    // Errors the JSON-RPC library makes itself (invalid request, unknown method) get our stable code too.
    for (const r of list) {
      if (r.error && typeof (r.error.data as { code?: unknown } | undefined)?.code !== 'string') {
        r.error.data = { ...(typeof r.error.data === 'object' && r.error.data !== null ? r.error.data : {}), code: BlanketError.fromRpc(r.error).code };
      }
    }
    const fatal = list.some((r) => r.error && isFatalRpcCode(r.error.code));
    if (fatal) conn.end(res);
    else conn.sendLine(encodeReplies(list, Array.isArray(res)));
  }

  get connections(): number {
    return this.conns.size;
  }

  private drained: (() => void) | undefined;

  /** Stop accepting; answer the calls already received (for up to `drainMs`), then close every connection. */
  async close(drainMs = 2000): Promise<void> {
    const closed = new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    const peersClosed = new Promise<void>((resolve) => (this.peerServer ? this.peerServer.close(() => resolve()) : resolve()));
    if ([...this.conns].some((c) => c.inFlight > 0)) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, drainMs);
        this.drained = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    for (const c of this.conns) c.end();
    await Promise.all([closed, peersClosed]);
    for (const c of this.conns) c.socket.destroy();
  }
}
