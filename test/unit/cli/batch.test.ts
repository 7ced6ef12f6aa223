// run --batch chunking: by encoded bytes, in order, every chunk under half the message cap.
import t from 'tap';
import { chunks } from '../../../src/cli/batch.js';

const entries = (sizes: number[]) => sizes.map((bytes, i) => ({ line: i + 1, task: {}, bytes }));

t.test('chunks stay under half the cap and keep line order', async (t) => {
  const cap = 1024 * 1024;
  const es = entries(Array.from({ length: 3000 }, () => 700));
  const cs = chunks(es, cap);
  t.ok(cs.length >= 4, `${cs.length} chunks for 2.1 MB`);
  for (const c of cs) t.ok(c.reduce((n, e) => n + e.bytes + 1, 0) + 256 <= cap / 2, 'chunk with its envelope under half the cap');
  t.same(
    cs.flat().map((e) => e.line),
    es.map((e) => e.line),
    'every line once, in order',
  );
});

t.test('at most 2000 lines a chunk; a line too big to share goes alone', async (t) => {
  t.same(
    chunks(entries(Array.from({ length: 4500 }, () => 10)), 1024 * 1024).map((c) => c.length),
    [2000, 2000, 500],
  );
  const cs = chunks(entries([100, 600_000, 100, 100]), 1024 * 1024);
  t.same(
    cs.map((c) => c.map((e) => e.line)),
    [[1], [2], [3, 4]],
  );
  t.same(chunks([], 1024), []);
});
