// Reading the output of a task that ran on another daemon sharing the PostgreSQL store: dial
// that daemon's peer listener (TLS; its address and certificate fingerprint from its hosts row,
// the fingerprint pinned, no CA), present store.peer_token, and call the same `logs` and
// `logs.follow` methods a CLI calls, relaying the reply and the follow's events as they are.
import { createRequire } from 'node:module';
import type tls from 'node:tls';
import { Client } from '../client/client.js';
import { BlanketError } from '../protocol/errors.js';
import type { DaemonEvent, Params, Result } from '../protocol/methods.js';
import type { State, Task } from '../protocol/model.js';
import type { Connection } from './connection.js';

const DIAL_TIMEOUT_MS = 5_000;
/** node:tls once a peer is dialled: a daemon that never reads another host's output does not load it. */
const requireBuiltin = createRequire(import.meta.url);
/** A follow relayed to a client stops reading its peer while this much is unread by the client. */
const RELAY_HIGH_WATER = 1024 * 1024;

export interface PeerLinkOptions {
  /** This daemon's name (store.host). */
  me: string;
  token: string;
  /** A peer's address and fingerprint from the store's hosts row. */
  lookup(host: string): Promise<{ address?: string; fingerprint?: string } | undefined>;
}

let seq = 0;

export class PeerLink {
  constructor(private readonly o: PeerLinkOptions) {}

  private unreachable(task: Task, address: string, why: string): BlanketError {
    return new BlanketError('PEER_UNAVAILABLE', `cannot read the output of ${task.id} from ${task.host} (${address}), the daemon that ran it: ${why}`, {
      hint: `start that daemon ('blanket daemon start' on ${task.host}) and check that ${address} is reachable from here (its store.listen, firewalls); or run 'blanket logs ${task.id}' there`,
      details: { id: task.id, host: task.host, address },
    });
  }

  /** A connection to the daemon holding this task's output, past TLS (pinned) and hello (token). */
  private async dial(task: Task): Promise<{ client: Client; socket: tls.TLSSocket }> {
    const host = task.host!;
    const peer = await this.o.lookup(host);
    if (!peer?.address || !peer.fingerprint) {
      throw new BlanketError('OUTPUT_ON_OTHER_HOST', `the output of ${task.id} is on the daemon ${host}, which does not serve output to other hosts`, {
        hint: `set the same store.peer_token on ${host} as here and restart its daemon; or run 'blanket logs ${task.id}' there`,
        details: { id: task.id, host },
      });
    }
    const m = /^\[?(.*?)\]?:(\d+)$/.exec(peer.address);
    if (!m) throw this.unreachable(task, peer.address, 'its recorded address is not host:port');
    const socket = await new Promise<tls.TLSSocket>((resolve, reject) => {
      const s = (requireBuiltin('node:tls') as typeof tls).connect({ host: m[1], port: Number(m[2]), rejectUnauthorized: false });
      const timer = setTimeout(() => s.destroy(new Error(`no answer within ${DIAL_TIMEOUT_MS / 1000}s`)), DIAL_TIMEOUT_MS);
      s.once('secureConnect', () => {
        clearTimeout(timer);
        s.off('error', fail);
        // Pinned: the certificate must be the one the daemon recorded in its hosts row.
        if (s.getPeerCertificate().fingerprint256 !== peer.fingerprint) {
          s.destroy();
          reject(
            this.unreachable(
              task,
              peer.address!,
              'its TLS certificate is not the one its hosts row names (restart that daemon; if this stays, something else answers at that address)',
            ),
          );
        } else resolve(s);
      });
      const fail = (err: Error) => {
        clearTimeout(timer);
        reject(this.unreachable(task, peer.address!, err.message));
      };
      s.once('error', fail);
    });
    return { client: new Client(socket, `blanket-peer ${this.o.me}`, this.o.token), socket };
  }

  /** A peer's error, said from here: naming the host; a lost connection is PEER_UNAVAILABLE. */
  private said(task: Task, err: unknown): unknown {
    if (!(err instanceof BlanketError)) return err;
    if (err.code === 'PEER_REFUSED')
      return new BlanketError('PEER_REFUSED', `${task.host}, the daemon that ran ${task.id}, refused this one: its store.peer_token differs from this daemon's`, {
        hint: `set the same store.peer_token (or BLANKET_PEER_TOKEN) on every host and restart their daemons`,
        details: { id: task.id, host: task.host },
      });
    if (err.code === 'DAEMON_UNAVAILABLE') return this.unreachable(task, String(task.host), err.message);
    return err;
  }

  /** One page of output, from the daemon that ran the task. */
  async logs(task: Task, params: Params<'logs'>): Promise<Result<'logs'>> {
    const { client } = await this.dial(task);
    try {
      return await client.call('logs', { ...params, id: task.id });
    } catch (err) {
      throw this.said(task, err);
    } finally {
      client.close();
    }
  }

  /**
   * Follow on the daemon that ran the task, relaying its events to `conn` under a subscription of
   * this daemon's; ends with the task (log.end), its removal, the client or the peer (then the
   * client's connection is closed with PEER_UNAVAILABLE: its output may have been cut). With
   * `cont`, it continues a follow already answered: its first page goes out as a `log` event, and
   * its end as `log.end` with the state `cont.state` reads.
   */
  async follow(task: Task, params: Params<'logs.follow'>, conn: Connection, cont?: { subscription: string; state: () => Promise<State> }): Promise<Result<'logs.follow'>> {
    const { client, socket } = await this.dial(task);
    const subscription = cont?.subscription ?? `peerlog${++seq}`;
    let done = false;
    const stop = () => {
      if (done) return;
      done = true;
      client.close();
      conn.subscriptions.delete(subscription);
      conn.closers.delete(subscription);
    };
    const relay = (event: DaemonEvent) => {
      if (done) return;
      conn.notify('event', { subscription, event });
      if (event.kind === 'log.end' || event.kind === 'task.removed') stop();
      else if (conn.socket.writableLength > RELAY_HIGH_WATER) {
        socket.pause();
        void conn.writable().then(() => socket.resume());
      }
    };
    // Events that come with the reply wait for it: a continued follow sends its first page first.
    let early: DaemonEvent[] | undefined = [];
    let r: Result<'logs.follow'>;
    try {
      r = await client.subscribeVia('logs.follow', { ...params, id: task.id }, (event) => (early ? early.push(event) : relay(event)));
    } catch (err) {
      stop();
      throw this.said(task, err);
    }
    const stream = params.stream ?? (task.combinedOutput ? 'output' : 'stdout');
    if (cont && r.text) conn.notify('event', { subscription, event: { kind: 'log', id: task.id, stream, data: r.text } });
    for (const e of early) relay(e);
    early = undefined;
    if (r.done) {
      if (cont) conn.notify('event', { subscription, event: { kind: 'log.end', id: task.id, state: await cont.state() } });
      stop();
      return { ...r, subscription };
    }
    if (!done) {
      conn.subscriptions.add(subscription);
      conn.closers.set(subscription, stop);
      conn.onClose.push(stop);
    }
    client.onClose(() => {
      if (done) return;
      stop();
      const e = this.unreachable(task, String(task.host), 'the connection was lost while following');
      conn.end({ jsonrpc: '2.0', id: null, error: { code: e.rpcCode, message: e.message, data: e.toData() } });
    });
    return { ...r, subscription };
  }
}
