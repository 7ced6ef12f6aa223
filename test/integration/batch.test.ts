// `run --batch`: thousands of tasks in chunks (sized by their encoded bytes) over one
// connection. Bad input (not JSON, bad params, a line too large) is found before anything is
// sent; a line the daemon refuses stops the batch at its chunk, and the result says line by
// line what was queued.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { jsonError, snapshot } from '../helpers/cli.js';
import { TestHome, waitFor } from '../helpers/home.js';

const h = new TestHome(t, { workers: false });
const client = await h.client();
const file = (name: string, lines: string[]) => {
  const p = path.join(h.dir, name);
  writeFileSync(p, lines.join('\n') + '\n');
  return p;
};
const line = (i: number) => JSON.stringify({ type: 'greet', env: { NAME: `n${i}` }, label: 'batch', priority: i % 3 });

t.test('a few thousand lines: one id per line, distinct and sorted', async (t) => {
  const N = 3000;
  const lines = Array.from({ length: N }, (_, i) => line(i));
  lines.splice(1000, 0, '', '   '); // blank lines are skipped
  const r = await h.run(['run', '--batch', file('many.jsonl', lines)]);
  t.equal(r.code, 0, r.stderr);
  const ids = r.stdout.trim().split('\n');
  t.equal(ids.length, N);
  t.equal(new Set(ids).size, N, 'distinct');
  t.same([...ids].sort(), ids, 'sorted in submit order');
  t.match(r.stderr, `blanket: queued ${N} tasks`);
  const ps = await client.call('ps', { label: 'batch', limit: 1 });
  t.equal(ps.counts.WAITING, N);
  const last = await client.call('show', { id: ids[N - 1]! });
  t.equal(last.task.env.NAME, `n${N - 1}`, 'line order is id order');
  const stdin = await h.run(['run', '--batch', '-', '-q'], { input: `${line(1)}\n${line(2)}\n` });
  t.equal(stdin.stdout.trim().split('\n').length, 2, 'reads stdin with -');
  t.equal(stdin.stderr, '', '-q: ids only');
});

t.test('a bad line in the first chunk: nothing written, the error names the line', async (t) => {
  const before = await snapshot(client);
  const cases: Array<[string, string[], string, RegExp, number]> = [
    [
      'unknown type',
      [line(1), line(2), '{"type":"nope_type"}'],
      'UNKNOWN_TYPE',
      /^.*bad1\.jsonl: line 3: unknown task type "nope_type" \(nothing was queued; lines 1-3 were not queued\)$/,
      1,
    ],
    [
      'bad params',
      ['', line(1), '{"type":"greet","env":{"NAME":"x"},"priority":"high"}'],
      'INVALID_PARAMS',
      /bad2\.jsonl: line 3: priority: expected an integer.*; nothing was queued$/,
      1,
    ],
    ['not JSON', [line(1), '{"type": "greet",'], 'USAGE', /bad3\.jsonl: line 2 is not JSON; nothing was queued$/, 2],
  ];
  for (const [i, [name, lines, code, message, exit]] of cases.entries()) {
    const e = jsonError(t, await h.run(['run', '--batch', file(`bad${i + 1}.jsonl`, lines), '--json']), code, exit);
    t.match(e.message, message, name);
  }
  const missing = jsonError(t, await h.run(['run', '--batch', path.join(h.dir, 'nope.jsonl'), '--json']), 'USAGE', 2);
  t.match(missing.message, /no such file: .*nope\.jsonl/);
  t.match(jsonError(t, await h.run(['run', '--batch', h.dir, '--json']), 'USAGE', 2).message, /cannot read .*: EISDIR/, 'a directory: a usage error, not a bug');
  t.same(await snapshot(client), before, 'nothing written');
});

t.test('a line the daemon refuses in a later chunk: earlier chunks stay, the result says line by line', async (t) => {
  const before = (await client.call('daemon.status', {})).counts.WAITING;
  const lines = Array.from({ length: 2500 }, (_, i) => line(i));
  lines[2299] = '{"type":"nope_type"}';
  const r = await h.run(['run', '--batch', file('late-rpc.jsonl', lines), '--json']);
  t.equal(r.code, 1);
  const e = JSON.parse(r.stdout).error;
  t.equal(e.code, 'UNKNOWN_TYPE');
  t.match(
    e.message,
    /late-rpc\.jsonl: line 2300: unknown task type "nope_type" \(lines 1-2000 were queued as 2000 tasks \(the ids are printed\); lines 2001-2500 were not queued\)$/,
  );
  t.equal(e.lines.length, 2500, 'every line is accounted for');
  t.equal(e.ids.length, 2000);
  t.same(e.lines[0], { line: 1, status: 'queued', id: e.ids[0] });
  t.same(e.lines[2299], { line: 2300, status: 'refused', error: { code: 'UNKNOWN_TYPE', message: 'unknown task type "nope_type"' } });
  t.same(e.lines[2000], { line: 2001, status: 'not-sent' });
  t.equal((await client.call('daemon.status', {})).counts.WAITING, before + 2000, 'exactly the first chunk was written');
  for (const id of [e.ids[0], e.ids[1999]]) t.equal((await client.call('show', { id })).task.state, 'WAITING', 'the listed ids are the queued tasks');

  const human = await h.run(['run', '--batch', file('late-rpc.jsonl', lines)]);
  t.equal(human.code, 1);
  t.equal(human.stdout.trim().split('\n').length, 2000, 'the queued ids on stdout');
  t.match(human.stderr, /line 2300: unknown task type/);
});

t.test('a line that is not JSON anywhere: found before anything is sent', async (t) => {
  const before = await snapshot(client);
  const lines = Array.from({ length: 2500 }, (_, i) => line(i));
  lines[2299] = 'not json at all';
  lines[2400] = '[1]';
  const e = jsonError(t, await h.run(['run', '--batch', file('late-json.jsonl', lines), '--json']), 'USAGE', 2);
  t.match(e.message, /late-json\.jsonl: line 2300 is not JSON \(and 1 more bad line: 2401\); nothing was queued$/);
  t.same((e.lines as unknown[])[2299], { line: 2300, status: 'refused', error: { code: 'USAGE', message: 'is not JSON' } });
  t.match((e.lines as unknown[])[2400], { line: 2401, status: 'refused', error: { code: 'INVALID_PARAMS', message: /^params: expected an object/ } });
  t.same(await snapshot(client), before, 'nothing written');
});

t.test('3000 lines of ~700 bytes (2 MB, over the 1 MiB message cap): chunked by bytes, all queued', async (t) => {
  const big = (i: number) => JSON.stringify({ type: 'greet', env: { NAME: `${i}:${'x'.repeat(650)}` }, label: 'big' });
  t.ok(big(0).length >= 690);
  const N = 3000;
  const before = (await client.call('daemon.status', {})).counts.WAITING;
  const r = await h.run([
    'run',
    '--batch',
    file(
      'big.jsonl',
      Array.from({ length: N }, (_, i) => big(i)),
    ),
    '--json',
  ]);
  t.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout) as { ids: string[]; lines: Array<{ line: number; status: string; id: string }> };
  t.equal(out.ids.length, N);
  t.equal(new Set(out.ids).size, N, 'distinct');
  t.same(
    out.lines.map((l) => l.line),
    Array.from({ length: N }, (_, i) => i + 1),
    'one entry per line',
  );
  t.ok(
    out.lines.every((l, i) => l.status === 'queued' && l.id === out.ids[i]),
    'each line with its id',
  );
  t.equal((await client.call('daemon.status', {})).counts.WAITING, before + N);
  t.equal((await client.call('show', { id: out.ids[N - 1]! })).task.env.NAME, big(N - 1).match(/"NAME":"([^"]+)"/)![1], 'line order is id order');
});

t.test('a line larger than the message cap: an error naming it, nothing queued', async (t) => {
  const before = await snapshot(client);
  // One env value is at most 128 KiB: ten of 110 KiB make a line of 1.1 MiB.
  const huge = JSON.stringify({ type: 'greet', env: Object.fromEntries([['NAME', 'x'], ...Array.from({ length: 10 }, (_, i) => [`V${i}`, 'y'.repeat(110 * 1024)])]) });
  const e = jsonError(t, await h.run(['run', '--batch', file('huge.jsonl', [line(1), line(2), huge, line(3)]), '--json']), 'MESSAGE_TOO_LARGE');
  t.match(e.message, /huge\.jsonl: line 3 is \d+ bytes as JSON; the daemon reads messages of at most 1048576 bytes; nothing was queued$/);
  t.match(e.hint, /max_message_bytes/);
  t.same(await snapshot(client), before, 'nothing written');
});

t.test('the daemon dies mid-batch: every queued line is reported, the chunk in flight as unknown', async (t) => {
  const h2 = new TestHome(t, { workers: false });
  const c1 = await h2.client();
  const N = 60_000;
  const p = path.join(h2.dir, 'long.jsonl');
  writeFileSync(p, Array.from({ length: N }, (_, i) => line(i)).join('\n') + '\n');
  const run = h2.run(['run', '--batch', p, '--json'], { timeoutMs: 120_000 });
  await waitFor('the first chunks to be queued', async () => (await c1.call('daemon.status', {})).counts.WAITING > 0, 60_000);
  process.kill(h2.daemonPid()!, 'SIGKILL');
  const r = await run;
  if (r.code === 0) return t.pass('the batch finished before the daemon was killed (nothing to check)');
  t.equal(r.code, 3, 'DAEMON_UNAVAILABLE');
  const e = JSON.parse(r.stdout).error as { code: string; message: string; ids: string[]; lines: Array<{ line: number; status: string; id?: string }> };
  t.equal(e.lines.length, N, 'every line is accounted for');
  const queued = e.lines.filter((l) => l.status === 'queued');
  const unknown = e.lines.filter((l) => l.status === 'unknown');
  t.ok(unknown.length > 0 && unknown.length <= 2000, 'the chunk in flight is unknown');
  t.match(e.message, /may or may not have been queued/);
  t.same(
    queued.map((l) => l.id),
    e.ids,
  );
  const c2 = await h2.client(); // a new daemon on the same store
  const stored = (await c2.call('daemon.status', {})).counts.WAITING;
  t.ok(stored >= queued.length && stored <= queued.length + unknown.length, `stored ${stored}: the queued lines, and at most the unknown chunk`);
  for (const id of [e.ids[0], e.ids[e.ids.length - 1]].filter(Boolean)) t.equal((await c2.call('show', { id: id! })).task.state, 'WAITING');
});
