// The client against a peer that sends lines over its cap: the call fails with REPLY_TOO_LARGE
// (never dropped, never a hang), and a close the daemon explains fails calls with its reason.
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import t, { type Test } from 'tap';
import { Client } from '../../../src/client/client.js';
import { BlanketError } from '../../../src/protocol/errors.js';
import { MAX_REPLY_BYTES } from '../../../src/protocol/framing.js';
import { PROTOCOL_VERSION } from '../../../src/protocol/methods.js';

type Answer = (req: { id: number; method: string }, socket: net.Socket) => void;

/** A peer that answers hello, then lets `answer` reply to everything else. */
async function peer(t: Test, answer: Answer): Promise<Client> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bk-cl-'));
  const sock = path.join(dir, 's');
  const server = net.createServer((s) => {
    let buf = '';
    s.on('error', () => {});
    s.on('data', (d) => {
      buf += d;
      for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
        const req = JSON.parse(buf.slice(0, nl));
        buf = buf.slice(nl + 1);
        if (req.method === 'hello') s.write(JSON.stringify({ jsonrpc: '2.0', id: req.id, result: { protocol: PROTOCOL_VERSION, version: 'x', pid: 1 } }) + '\n');
        else answer(req, s);
      }
    });
  });
  await new Promise<void>((r) => server.listen(sock, r));
  const socket = net.connect(sock);
  await new Promise((r) => socket.once('connect', r));
  const c = new Client(socket, 'test');
  t.teardown(() => {
    c.close();
    server.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return c;
}

/** The call's outcome, or 'hung' past a deadline. */
async function outcome(p: Promise<unknown>): Promise<unknown> {
  return Promise.race([
    p.then(
      (v) => ({ ok: v }),
      (e: unknown) => e,
    ),
    new Promise((r) => setTimeout(r, 10_000, 'hung')),
  ]);
}

const huge = 'x'.repeat(MAX_REPLY_BYTES + 10);

t.test('a reply over the cap fails its call with REPLY_TOO_LARGE; the connection goes on', async (t) => {
  const c = await peer(t, (req, s) => {
    if (req.method === 'ps') s.write(`{"jsonrpc":"2.0","id":${req.id},"result":{"text":"${huge}"}}\n`);
    else s.write(JSON.stringify({ jsonrpc: '2.0', id: req.id, result: { ok: true } }) + '\n');
  });
  const err = await outcome(c.call('ps', {}));
  t.ok(err instanceof BlanketError, String(err));
  t.equal((err as BlanketError).code, 'REPLY_TOO_LARGE');
  t.match((err as BlanketError).hint, /page|less/);
  t.same(await outcome(c.call('stats', {})), { ok: { ok: true } }, 'the next call is answered');
});

t.test('a notification over the cap fails the calls waiting and closes, with that reason', async (t) => {
  const c = await peer(t, (req, s) => {
    if (req.method === 'ps') s.write(`{"jsonrpc":"2.0","method":"event","params":{"subscription":"x","event":{"data":"${huge}"}}}\n`);
  });
  let closedWith: Error | undefined;
  c.onClose((e) => (closedWith = e));
  const err = await outcome(c.call('ps', {}));
  t.equal((err as BlanketError).code, 'REPLY_TOO_LARGE', String(err));
  t.equal((closedWith as BlanketError | undefined)?.code, 'REPLY_TOO_LARGE');
});

t.test('an error without an id before a close (MESSAGE_TOO_LARGE) is what the waiting call fails with', async (t) => {
  const c = await peer(t, (_req, s) => {
    s.end(
      JSON.stringify({
        jsonrpc: '2.0',
        id: null,
        error: { code: -32001, message: 'message larger than 1048576 bytes', data: { code: 'MESSAGE_TOO_LARGE', hint: 'send smaller messages' } },
      }) + '\n',
    );
  });
  const err = await outcome(c.call('ps', {}));
  t.equal((err as BlanketError).code, 'MESSAGE_TOO_LARGE', String(err));
  t.match((err as BlanketError).message, /larger than/);
});
