// One client connection: framing, the handshake flag, its subscriptions,
// and bounded output (a subscriber that stops reading is dropped, not buffered forever).
import type { Socket } from 'node:net';
import { encode, LineDecoder } from '../protocol/framing.js';

const MAX_BUFFERED_OUTPUT = 16 * 1024 * 1024;
/** Streams (log follow) wait for the peer once this much of their output is unread. */
const STREAM_HIGH_WATER = 1024 * 1024;

export class Connection {
  readonly decoder: LineDecoder;
  helloed = false;
  /** Calls being handled now. */
  inFlight = 0;
  client = '';
  closed = false;
  private corked = false;
  readonly subscriptions = new Set<string>();
  /** Subscriptions that own resources (a file tail) and must be stopped on unsubscribe. */
  readonly closers = new Map<string, () => void>();
  readonly onClose: Array<() => void> = [];

  constructor(
    readonly id: number,
    readonly socket: Socket,
    maxMessageBytes: number,
  ) {
    this.decoder = new LineDecoder(maxMessageBytes, true);
    socket.on('close', () => {
      this.closed = true;
      for (const f of this.onClose) f();
    });
  }

  send(message: unknown): void {
    this.sendLine(encode(message));
  }

  /** An already encoded message (with its newline). */
  sendLine(line: string): void {
    if (this.closed) return;
    if (this.socket.writableLength > MAX_BUFFERED_OUTPUT) {
      // The peer is not reading: drop it rather than grow without bound.
      this.socket.destroy();
      return;
    }
    // Lines sent in one tick (the events of one store batch, a reply with them) go in one write.
    if (!this.corked) {
      this.corked = true;
      this.socket.cork();
      process.nextTick(() => {
        this.corked = false;
        this.socket.uncork();
      });
    }
    this.socket.write(line);
  }

  /** Resolves once the peer has read all but a little of what was sent (or the connection is gone): a stream's backpressure. */
  async writable(): Promise<void> {
    while (!this.closed && !this.socket.destroyed && this.socket.writableLength > STREAM_HIGH_WATER) {
      await new Promise<void>((resolve) => {
        const done = () => {
          this.socket.off('drain', done);
          this.socket.off('close', done);
          resolve();
        };
        this.socket.once('drain', done);
        this.socket.once('close', done);
      });
    }
  }

  notify(method: string, params: unknown): void {
    this.send({ jsonrpc: '2.0', method, params });
  }

  /** Send a last message, then close. */
  end(message?: unknown): void {
    if (this.closed) return;
    if (message !== undefined) this.socket.end(encode(message));
    else this.socket.end();
    this.closed = true;
    // A peer that never reads must not keep the socket half-open.
    setTimeout(() => this.socket.destroy(), 1000).unref();
  }
}
