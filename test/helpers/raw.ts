// A raw socket peer for protocol tests: send any bytes, read replies line by line.
import net from 'node:net';
import { PROTOCOL_VERSION } from '../../src/protocol/methods.js';

export interface RpcReply {
  jsonrpc: '2.0';
  id: unknown;
  result?: unknown;
  error?: { code: number; message: string; data?: { code?: string; hint?: string; [k: string]: unknown } };
}

export class RawPeer {
  private buf = '';
  private lines: string[] = [];
  private waiters: Array<() => void> = [];
  closed = false;
  readonly closedP: Promise<void>;
  private nextId = 1;

  private constructor(readonly socket: net.Socket) {
    socket.on('data', (d: Buffer) => {
      this.buf += d.toString('utf8');
      for (let nl = this.buf.indexOf('\n'); nl >= 0; nl = this.buf.indexOf('\n')) {
        this.lines.push(this.buf.slice(0, nl));
        this.buf = this.buf.slice(nl + 1);
      }
      this.wake();
    });
    socket.on('error', () => {});
    this.closedP = new Promise((resolve) =>
      socket.on('close', () => {
        this.closed = true;
        this.wake();
        resolve();
      }),
    );
  }

  static connect(socketPath: string): Promise<RawPeer> {
    return new Promise((resolve, reject) => {
      const s = net.connect(socketPath, () => resolve(new RawPeer(s)));
      s.once('error', reject);
    });
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  /** Write raw text (a newline is not added). */
  write(text: string | Buffer): void {
    this.socket.write(text);
  }

  send(message: unknown): void {
    this.write(JSON.stringify(message) + '\n');
  }

  /** A call with a fresh id; resolves with its reply. */
  async call(method: string, params: unknown = {}): Promise<RpcReply> {
    const id = this.nextId++;
    this.send({ jsonrpc: '2.0', id, method, params });
    return this.reply();
  }

  hello(protocol: number = PROTOCOL_VERSION): Promise<RpcReply> {
    return this.call('hello', { protocol, client: 'raw-test' });
  }

  /** The next reply line, or an error if the connection closes first or nothing comes in time. */
  async reply(timeoutMs = 10_000): Promise<RpcReply> {
    const deadline = Date.now() + timeoutMs;
    while (this.lines.length === 0) {
      if (this.closed) throw new Error('connection closed before a reply');
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no reply within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return JSON.parse(this.lines.shift()!) as RpcReply;
  }

  /** Resolves true when the daemon closes this connection within the time. */
  async waitClosed(timeoutMs = 5000): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)));
    const r = await Promise.race([this.closedP.then(() => true), timeout]);
    clearTimeout(timer);
    return r;
  }

  close(): void {
    this.socket.destroy();
  }
}
