// The wire, straight to the socket: every malformed message gets a JSON-RPC
// error with a stable code; protocol errors close that connection only; the
// daemon keeps serving everyone else and nothing in the store changes.
import t from 'tap';
import { PROTOCOL_VERSION } from '../../src/protocol/methods.js';
import { RawPeer } from '../helpers/raw.js';
import { TestHome } from '../helpers/home.js';

t.test('raw protocol errors', async (t) => {
  const h = new TestHome(t, { workers: false });
  const client = await h.client();
  const { task } = await client.call('run', { type: 'echo_task' });
  const before = await client.call('ps', { limit: 100 });
  const { pid } = await client.call('daemon.status', {});
  const peers: RawPeer[] = [];
  t.teardown(() => peers.forEach((p) => p.close()));
  const peer = async () => {
    const p = await RawPeer.connect(h.paths.socket);
    peers.push(p);
    return p;
  };

  // [name, what to send after connecting (and an optional hello first), code, rpc number, message, closes?]
  const cases: Array<{ name: string; hello?: boolean; send: string | Buffer; code: string; rpc: number; message: RegExp; closes: boolean; id?: unknown }> = [
    { name: 'a non-JSON line', send: 'hello there\n', code: 'PARSE_ERROR', rpc: -32700, message: /not valid JSON/, closes: true, id: null },
    { name: 'a non-JSON line after hello', hello: true, send: '{"jsonrpc":"2.0",\n', code: 'PARSE_ERROR', rpc: -32700, message: /not valid JSON/, closes: true, id: null },
    {
      name: 'a call before hello',
      send: '{"jsonrpc":"2.0","id":7,"method":"ps","params":{}}\n',
      code: 'HANDSHAKE_REQUIRED',
      rpc: -32003,
      message: /first call on a connection must be hello/,
      closes: true,
      id: 7,
    },
    {
      name: 'a wrong protocol version',
      send: `{"jsonrpc":"2.0","id":1,"method":"hello","params":{"protocol":${PROTOCOL_VERSION + 1},"client":"x"}}\n`,
      code: 'PROTOCOL_VERSION',
      rpc: -32002,
      message: new RegExp(`protocol version ${PROTOCOL_VERSION + 1} is not supported; this daemon speaks ${PROTOCOL_VERSION}`),
      closes: true,
      id: 1,
    },
    {
      name: 'a second hello with another version',
      hello: true,
      send: `{"jsonrpc":"2.0","id":8,"method":"hello","params":{"protocol":${PROTOCOL_VERSION + 1},"client":"x"}}\n`,
      code: 'PROTOCOL_VERSION',
      rpc: -32002,
      message: /is not supported/,
      closes: true,
      id: 8,
    },
    {
      name: 'hello without a protocol',
      send: '{"jsonrpc":"2.0","id":1,"method":"hello","params":{}}\n',
      code: 'PROTOCOL_VERSION',
      rpc: -32002,
      message: /protocol version undefined is not supported/,
      closes: true,
      id: 1,
    },
    { name: 'a request without a method', hello: true, send: '{"jsonrpc":"2.0","id":5}\n', code: 'INVALID_REQUEST', rpc: -32600, message: /./, closes: true },
    { name: 'a request with a numeric method', hello: true, send: '{"jsonrpc":"2.0","id":5,"method":5}\n', code: 'METHOD_NOT_FOUND', rpc: -32601, message: /./, closes: true },
    { name: 'a request that is not JSON-RPC 2.0', hello: true, send: '{"jsonrpc":"1.0","id":5,"method":"ps"}\n', code: 'INVALID_REQUEST', rpc: -32600, message: /./, closes: true },
    { name: 'a JSON value that is not an object', hello: true, send: '42\n', code: 'INVALID_REQUEST', rpc: -32600, message: /./, closes: true },
    {
      name: 'an unknown method',
      hello: true,
      send: '{"jsonrpc":"2.0","id":9,"method":"launch.missiles","params":{}}\n',
      code: 'METHOD_NOT_FOUND',
      rpc: -32601,
      message: /./,
      closes: true,
      id: 9,
    },
    {
      name: 'wrong params',
      hello: true,
      send: '{"jsonrpc":"2.0","id":3,"method":"run","params":{"type":"echo_task","priority":"high"}}\n',
      code: 'INVALID_PARAMS',
      rpc: -32602,
      message: /^run: priority: expected an integer/,
      closes: false,
      id: 3,
    },
    {
      name: 'an unknown param',
      hello: true,
      send: '{"jsonrpc":"2.0","id":3,"method":"ps","params":{"limt":5}}\n',
      code: 'INVALID_PARAMS',
      rpc: -32602,
      message: /^ps: limt: expected no such field/,
      closes: false,
      id: 3,
    },
    {
      name: 'params that are not an object',
      hello: true,
      send: '{"jsonrpc":"2.0","id":3,"method":"show","params":["abc"]}\n',
      code: 'INVALID_PARAMS',
      rpc: -32602,
      message: /^show: params: expected an object with id/,
      closes: false,
      id: 3,
    },
  ];
  for (const c of cases) {
    const p = await peer();
    if (c.hello) t.match(await p.hello(), { result: { protocol: PROTOCOL_VERSION, pid } }, `${c.name}: hello answered`);
    p.write(c.send);
    const reply = await p.reply();
    t.equal(reply.error?.code, c.rpc, `${c.name}: JSON-RPC code ${c.rpc}`);
    t.equal(reply.error?.data?.code, c.code, `${c.name}: stable code ${c.code}`);
    t.match(reply.error?.message, c.message, `${c.name}: message`);
    if (c.id !== undefined) t.equal(reply.id, c.id, `${c.name}: reply id`);
    if (c.closes) t.ok(await p.waitClosed(), `${c.name}: the daemon closes the connection`);
    else t.match(await p.call('daemon.status'), { result: { pid } }, `${c.name}: the connection keeps working`);
  }

  t.same(await client.call('ps', { limit: 100 }), before, 'nothing changed');
  t.equal((await client.call('show', { id: task.id })).task.state, 'WAITING');
  t.equal((await client.call('daemon.status', {})).pid, pid, 'the same daemon serves, and the first client still works');
});

t.test('an oversize message closes that connection only', async (t) => {
  const h = new TestHome(t, { workers: false });
  const client = await h.client();
  const before = await client.call('ps', {});
  const other = await RawPeer.connect(h.paths.socket);
  const big = await RawPeer.connect(h.paths.socket);
  t.teardown(() => [other, big].forEach((p) => p.close()));
  t.match(await other.hello(), { result: {} });
  t.match(await big.hello(), { result: {} });

  // A valid request, just too large: 1 MiB of env value. Sent in pieces, as a real peer would.
  const payload = JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'run', params: { type: 'echo_task', env: { BIG: 'x'.repeat(1024 * 1024 + 10) } } }) + '\n';
  const bytes = Buffer.from(payload);
  for (let i = 0; i < bytes.length && !big.closed; i += 64 * 1024) big.write(bytes.subarray(i, i + 64 * 1024));
  const reply = await big.reply();
  t.equal(reply.error?.code, -32001);
  t.equal(reply.error?.data?.code, 'MESSAGE_TOO_LARGE');
  t.match(reply.error?.message, /message larger than 1048576 bytes/);
  t.match(reply.error?.data?.hint, /max_message_bytes/);
  t.equal(reply.id, null);
  t.ok(await big.waitClosed(), 'the oversize connection is closed');

  // The peer connected at the same time is still served.
  t.match(await other.call('daemon.status'), { result: { counts: { WAITING: 0 } } });
  t.match(await other.call('run', { type: 'echo_task', env: { SMALL: 'x'.repeat(1000) } }), { result: { task: { state: 'WAITING' } } });
  const after = await client.call('ps', {});
  t.equal(after.counts.WAITING, before.counts.WAITING + 1, 'only the small submit was stored');
});

t.test('__proto__ and friends in env are plain variables end to end', async (t) => {
  const h = new TestHome(t, { workers: false });
  const p = await RawPeer.connect(h.paths.socket).catch(async () => {
    await h.client(); // start the daemon, then connect raw
    return RawPeer.connect(h.paths.socket);
  });
  t.teardown(() => p.close());
  await p.hello();
  p.write('{"jsonrpc":"2.0","id":2,"method":"run","params":{"type":"echo_task","env":{"__proto__":"polluted","constructor":"c","toString":"s"}}}\n');
  const r = await p.reply();
  t.equal(r.error, undefined, JSON.stringify(r.error));
  const id = (r.result as { task: { id: string } }).task.id;
  const shown = await p.call('show', { id });
  const env = (shown.result as { task: { env: Record<string, string> } }).task.env;
  t.ok(Object.hasOwn(env, '__proto__'), 'an own key');
  t.equal(env['__proto__'], 'polluted');
  t.equal(env.constructor, 'c');
  t.match(await p.call('daemon.status'), { result: { counts: { WAITING: 1 } } }, 'the daemon is fine');
});
