// `run --batch`: thousands of tasks in chunks over one connection; a bad line
// stops the batch at its chunk, names its line, and writes nothing of that chunk.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { jsonError, snapshot } from '../helpers/cli.js';
import { TestHome } from '../helpers/home.js';

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
    ['unknown type', [line(1), line(2), '{"type":"nope_type"}'], 'UNKNOWN_TYPE', /^.*bad1\.jsonl: line 3: unknown task type "nope_type"$/, 1],
    ['bad params', ['', line(1), '{"type":"greet","env":{"NAME":"x"},"priority":"high"}'], 'INVALID_PARAMS', /bad2\.jsonl: line 3: priority: expected an integer/, 1],
    ['not JSON', [line(1), '{"type": "greet",'], 'USAGE', /bad3\.jsonl: line 2 is not JSON$/, 2],
  ];
  for (const [i, [name, lines, code, message, exit]] of cases.entries()) {
    const e = jsonError(t, await h.run(['run', '--batch', file(`bad${i + 1}.jsonl`, lines), '--json']), code, exit);
    t.match(e.message, message, name);
  }
  const missing = jsonError(t, await h.run(['run', '--batch', path.join(h.dir, 'nope.jsonl'), '--json']), 'USAGE', 2);
  t.match(missing.message, /no such file: .*nope\.jsonl/);
  t.same(await snapshot(client), before, 'nothing written');
});

t.test('a bad line in a later chunk: earlier chunks stay, that chunk is not written, the error says so', async (t) => {
  for (const [name, bad, code] of [
    ['rpc', '{"type":"nope_type"}', 'UNKNOWN_TYPE'],
    ['json', 'not json at all', 'USAGE'],
  ] as const) {
    const before = (await client.call('daemon.status', {})).counts.WAITING;
    const lines = Array.from({ length: 2500 }, (_, i) => line(i));
    lines[2299] = bad;
    const r = await h.run(['run', '--batch', file(`late-${name}.jsonl`, lines), '--json']);
    t.not(r.code, 0);
    const e = JSON.parse(r.stdout).error;
    t.equal(e.code, code);
    t.match(e.message, /line 2300/, `${name}: names the line`);
    t.match(e.message, /the 2000 tasks before this chunk were queued/, `${name}: says what was queued`);
    t.equal((await client.call('daemon.status', {})).counts.WAITING, before + 2000, `${name}: exactly the first chunk was written`);
  }
});
