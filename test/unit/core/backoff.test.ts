import t from 'tap';
import { BACKOFF_CAP_MS, FailureBackoff, retryDelay } from '../../../src/core/backoff.js';

t.test('exponential from the base, capped, with ±20% jitter', async (t) => {
  // random 0.5 is the jitter's midpoint: exactly the exponential value.
  const table: Array<[number, number, number]> = [
    [10_000, 2, 10_000],
    [10_000, 3, 20_000],
    [10_000, 4, 40_000],
    [10_000, 10, 2_560_000],
    [10_000, 11, BACKOFF_CAP_MS],
    [10_000, 1000, BACKOFF_CAP_MS],
    [1, 2, 1],
    [0, 5, 0],
    [-5, 5, 0],
  ];
  for (const [base, next, want] of table) t.equal(retryDelay(base, next, 0.5), want, `base ${base}, attempt ${next}`);
  t.equal(retryDelay(10_000, 1, 0.5), 10_000, 'never below the base');
});

t.test('jitter bounds', async (t) => {
  for (const random of [0, 0.25, 0.5, 0.75, 0.999999]) {
    const d = retryDelay(10_000, 3, random);
    t.ok(d >= 16_000 && d <= 24_000, `random ${random}: ${d} within 20% of 20000`);
  }
  t.equal(retryDelay(10_000, 3, 0), 16_000);
  t.equal(retryDelay(10_000, 2, 0.999999), 12_000);
  t.equal(retryDelay(1000, 5, 0.5, 5000), 5000, 'a custom cap');
  t.ok(Number.isInteger(retryDelay(333, 3, 0.123)), 'whole milliseconds');
});

t.test('FailureBackoff: 100 ms doubling to the cap, a log line at most once per interval, reset by a success', (t) => {
  const b = new FailureBackoff(100, 5_000, 60_000);
  t.equal(b.failing, false);
  t.equal(b.delayMs, 0);
  const delays: number[] = [];
  const logged: number[] = [];
  for (let i = 0; i < 10; i++) {
    const r = b.fail(1_000 + i * 1_000);
    delays.push(r.delayMs);
    logged.push(r.log);
  }
  t.same(delays, [100, 200, 400, 800, 1600, 3200, 5000, 5000, 5000, 5000], 'grows to the cap, never past it');
  t.same(logged, [1, 0, 0, 0, 0, 0, 0, 0, 0, 0], 'only the first failure of the minute is logged');
  t.same(b.fail(61_000), { delayMs: 5000, log: 10 }, 'a minute on: one line, standing for the 10 failures since the last');
  t.equal(b.succeed(), 11, 'a success ends the failures, saying how many');
  t.equal(b.failing, false);
  t.same(b.fail(62_000), { delayMs: 100, log: 1 }, 'and starts over');
  t.end();
});
