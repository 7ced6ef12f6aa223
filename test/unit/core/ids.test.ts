import t from 'tap';
import { decodeId, encodeId, ID_LENGTH, isIdLike, nextId } from '../../../src/core/ids.js';

const EPOCH = Date.UTC(2025, 0, 1);
const T0 = Date.UTC(2026, 4, 17, 12, 0, 0);

t.test('encode and decode are inverse and keep order', async (t) => {
  const samples = [0, 1, 31, 32, 1023, 1024, 123456789, 2 ** 40 - 1];
  for (const n of samples) {
    const id = encodeId(n);
    t.equal(id.length, ID_LENGTH, `${n} encodes to ${ID_LENGTH} characters`);
    t.ok(isIdLike(id), `${id} looks like an id`);
    t.equal(decodeId(id), n);
  }
  const ids = samples.map(encodeId);
  t.same([...ids].sort(), ids, 'string order is numeric order');
  t.throws(() => decodeId('0000000u'), /not an id/, 'u is not in the alphabet');
});

t.test('isIdLike', async (t) => {
  const table: Array<[string, boolean]> = [
    ['0', true],
    ['1sc46g00', true],
    ['zzzzzzzz', true],
    ['', false],
    ['1sc46g000', false],
    ['ABC', false],
    ['0i', false],
    ['0l', false],
    ['0o', false],
    ['0u', false],
    ['a-b', false],
  ];
  for (const [s, want] of table) t.equal(isIdLike(s), want, JSON.stringify(s));
});

t.test('ids follow the clock', async (t) => {
  t.equal(nextId(undefined, EPOCH), '00000000', 'the epoch is id zero');
  t.equal(nextId(undefined, EPOCH - 86_400_000), '00000000', 'before the epoch clamps to zero');
  const a = nextId(undefined, T0);
  const b = nextId(undefined, T0 + 1000);
  t.equal(decodeId(b) - decodeId(a), 1024, 'one second is 1024 sequence numbers');
  t.equal(nextId(undefined, T0 + 999), a, 'the same second gives the same base');
  t.ok(nextId(a, T0 + 60_000) > a);
});

t.test('monotonic and unique within a second', async (t) => {
  let last: string | undefined;
  const ids: string[] = [];
  for (let i = 0; i < 100; i++) {
    last = nextId(last, T0 + i); // same second, ms ticking
    ids.push(last);
  }
  t.equal(new Set(ids).size, ids.length);
  t.same([...ids].sort(), ids);
  t.equal(decodeId(ids[99]!) - decodeId(ids[0]!), 99, 'consecutive sequence numbers');
});

t.test('a burst beyond 1024 per second stays unique and ordered', async (t) => {
  let last: string | undefined;
  const ids: string[] = [];
  for (let i = 0; i < 5000; i++) {
    last = nextId(last, T0);
    ids.push(last);
  }
  t.equal(new Set(ids).size, 5000, 'all distinct');
  t.same([...ids].sort(), ids, 'sorted in creation order');
  // The next second's ids were borrowed: a task created then still sorts after the burst.
  const after = nextId(last, T0 + 1000);
  t.ok(after > last!, 'an id after the burst sorts after it');
  t.equal(decodeId(after), decodeId(last!) + 1);
  // Once the clock passes the borrowed range, ids follow the clock again.
  const later = nextId(last, T0 + 10_000);
  t.equal(later, nextId(undefined, T0 + 10_000));
});

t.test('the clock going backwards never produces a smaller or repeated id', async (t) => {
  const clock = [T0, T0 + 5000, T0 - 3_600_000, T0 + 5000, T0 - 1, EPOCH, T0 + 5001];
  let last: string | undefined;
  const ids: string[] = [];
  for (const now of clock) {
    last = nextId(last, now);
    ids.push(last);
  }
  t.equal(new Set(ids).size, ids.length);
  t.same([...ids].sort(), ids);
});
