import t from 'tap';
import {
  chargeClaim,
  formatRateLimit,
  newFairShare,
  NO_POLICY,
  parseRateLimit,
  policyOf,
  rankCandidates,
  rateLimitedText,
  rateLimitedUntil,
  recordStart,
  weightProblem,
  type Candidate,
  type DispatchPolicy,
  type DispatchView,
} from '../../../src/core/dispatch.js';

t.test('parseRateLimit: N/DURATION, and what is wrong otherwise', async (t) => {
  t.same(parseRateLimit('10/1m'), { count: 10, windowMs: 60_000 });
  t.same(parseRateLimit(' 3 / 1h30m '), { count: 3, windowMs: 5_400_000 });
  t.same(parseRateLimit('1/500ms'), { count: 1, windowMs: 500 });
  const bad: Array<[unknown, RegExp]> = [
    ['0/1m', /count must be a whole number from 1/],
    ['10/0s', /window must be a duration longer than zero/],
    ['10/0', /window must be a duration longer than zero/],
    ['10/soon', /window must be a duration .*got "soon"/],
    ['ten per minute', /must be "N\/DURATION"/],
    ['10', /must be "N\/DURATION"/],
    [10, /must be "N\/DURATION"/],
    ['-1/1m', /must be "N\/DURATION"/],
    ['10001/1m', /from 1 to 10000/],
  ];
  for (const [v, re] of bad) t.match(parseRateLimit(v), re, JSON.stringify(v));
  t.equal(formatRateLimit({ count: 10, windowMs: 60_000 }), '10/1m');
  t.equal(formatRateLimit({ count: 2, windowMs: 30_000 }), '2/30s');
});

t.test('weights: above zero', async (t) => {
  for (const w of [1, 0.5, 3, 1_000_000]) t.equal(weightProblem(w), undefined, String(w));
  for (const w of [0, -1, '3', Infinity, NaN, 1_000_001]) t.match(weightProblem(w), /above 0/, String(w));
});

t.test('rateLimitedUntil: a sliding window over the kept claim times', async (t) => {
  const lim = { count: 2, windowMs: 1000 };
  const table: Array<[number[], number, number | undefined, string]> = [
    [[], 0, undefined, 'none yet'],
    [[100], 150, undefined, 'one of two'],
    [[100, 200], 250, 1100, 'two in the window: until the older leaves it'],
    [[100, 200], 1099, 1100, 'a moment before'],
    [[100, 200], 1100, undefined, 'the older has left the window'],
    [[100, 200, 900], 1150, 1200, 'three kept, two in the window'],
  ];
  for (const [starts, now, want, what] of table) t.equal(rateLimitedUntil(starts, lim, now), want, what);
  t.equal(rateLimitedUntil([1, 2, 3], undefined, 4), undefined, 'no limit');
  t.same(recordStart([100, 200], lim, 1100), [200, 1100], 'only the last count are kept');
  t.same(recordStart(undefined, lim, 5), [5]);
  t.same(recordStart([1, 2], { count: 5, windowMs: 10 }, 50), [50], 'times out of the window are dropped');
});

const cand = (id: string, o: Partial<Candidate> = {}): Candidate => ({ id, type: 'x', priority: 0, maxConcurrent: 0, ...o });
const view = (o: Partial<DispatchView> = {}): DispatchView => ({ policy: NO_POLICY, active: new Map(), starts: new Map(), fair: newFairShare(), now: 1000, ...o });

t.test('rankCandidates: held types are left out; priority, then fair share, then age', async (t) => {
  const policy: DispatchPolicy = { ...NO_POLICY, rateLimits: { slow: { count: 1, windowMs: 100 } } };
  const r = rankCandidates(
    [cand('04', { type: 'slow' }), cand('02', { type: 'capped', maxConcurrent: 1 }), cand('03'), cand('01', { priority: -1 }), cand('05', { priority: 2 })],
    view({ policy, active: new Map([['capped', 1]]), starts: new Map([['slow', [950]]]) }),
  );
  t.same(
    r.order.map((c) => c.id),
    ['05', '03', '01'],
  );
  t.same(r.rateLimited, { slow: 1050 });
});

/** Claim `n` times from an endless supply of each label's tasks; the labels in claim order. */
function simulate(labels: string[], policy: DispatchPolicy, n: number, fair = newFairShare()): string[] {
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const cands = labels.map((l, j) => cand(`${String(i).padStart(4, '0')}${j}`, { label: l }));
    const best = rankCandidates(cands, view({ policy, fair })).order[0]!;
    chargeClaim(fair, best, policy);
    out.push(best.label!);
  }
  return out;
}

t.test('fair share: weights give shares; a label that returns gets no burst of credit', async (t) => {
  t.same(simulate(['a', 'b'], NO_POLICY, 6), ['a', 'b', 'a', 'b', 'a', 'b'], 'equal weights alternate (older first on a tie)');
  const weighted = simulate(['a', 'b'], { ...NO_POLICY, labelWeights: { b: 3 } }, 400);
  t.equal(weighted.filter((l) => l === 'b').length, 300, 'weight 3 gets three in four');
  const fair = newFairShare();
  simulate(['a'], NO_POLICY, 1000, fair);
  const after = simulate(['a', 'b'], NO_POLICY, 10, fair);
  t.same(after, ['b', 'a', 'b', 'a', 'b', 'a', 'b', 'a', 'b', 'a'], 'b arrives after a ran 1000: they alternate, b does not run 1000 in a row');
  const types = newFairShare();
  const policy = { ...NO_POLICY, typeWeights: { t2: 2 } };
  const order: string[] = [];
  for (let i = 0; i < 6; i++) {
    const best = rankCandidates([cand(`${i}a`, { type: 't1' }), cand(`${i}b`, { type: 't2' })], view({ policy, fair: types })).order[0]!;
    chargeClaim(types, best, policy);
    order.push(best.type);
  }
  t.same(order, ['t1', 't2', 't2', 't1', 't2', 't2'], 'types share by their weights too (a tie goes to the older: ids sort a before b)');
});

t.test('policyOf: from the types and [labels]', async (t) => {
  t.same(policyOf([{ name: 'a', rateLimit: { count: 1, windowMs: 5 }, weight: 2 }, { name: 'b' }], { team: { weight: 4 } }), {
    rateLimits: { a: { count: 1, windowMs: 5 } },
    typeWeights: { a: 2 },
    labelWeights: { team: 4 },
  });
});

t.test('rateLimitedText: the local time, with the date when not today', async (t) => {
  const now = new Date(2026, 11, 4, 12, 0, 0).getTime();
  t.equal(rateLimitedText(new Date(2026, 11, 4, 12, 1, 30).getTime(), now), 'rate limited until 12:01:30');
  t.equal(rateLimitedText(new Date(2026, 11, 5, 0, 0, 5).getTime(), now), 'rate limited until 2026-12-05 00:00:05');
});
