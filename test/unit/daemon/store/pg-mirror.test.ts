// The PostgreSQL store's counters: a base read at a snapshot plus the changes that snapshot did
// not see, whichever order re-reads and commits (own or heard from other daemons) arrive in.
import t from 'tap';
import { parseSnapshot, PgMirror } from '../../../../src/daemon/store/pg-mirror.js';

const base = (waiting: number, claimed: number) => [
  ...(waiting ? [{ type: 'x', state: 'WAITING' as const, n: waiting }] : []),
  ...(claimed ? [{ type: 'x', state: 'CLAIMED' as const, n: claimed }] : []),
];
const claim: Array<[string, 'WAITING' | 'CLAIMED', number]> = [
  ['x', 'WAITING', -1],
  ['x', 'CLAIMED', 1],
];

t.test('snapshots as pg_current_snapshot() prints them', async (t) => {
  t.same(parseSnapshot('10:20:12,15'), { xmin: 10n, xmax: 20n, running: new Set([12n, 15n]) });
  t.same(parseSnapshot('7:7:'), { xmin: 7n, xmax: 7n, running: new Set() });
});

t.test('a change the base already has is not counted again; one it lacks is', async (t) => {
  const m = new PgMirror();
  m.load(base(2, 0), '100:100:');
  m.apply('99', claim); // committed before the snapshot: in the base
  t.match(m.byState(), { WAITING: 2, CLAIMED: 0 });
  m.apply('100', claim); // after it
  t.match(m.byState(), { WAITING: 1, CLAIMED: 1 });
  t.same(m.byType(), { x: { WAITING: 1, CLAIMED: 1 } });
});

t.test('a re-read that overlaps commits neither loses nor double-counts them', async (t) => {
  const m = new PgMirror();
  m.load(base(4, 0), '100:100:');
  // Three commits are applied while a re-read is in flight; its snapshot saw 100 and 102, not 101 (still running) nor 103.
  m.apply('100', claim);
  m.apply('101', claim);
  m.apply('102', claim);
  m.apply('103', claim);
  m.load(base(2, 2), '101:103:101');
  t.match(m.byState(), { WAITING: 0, CLAIMED: 4 }, 'the base (100, 102) plus 101 and 103');
  // 104 commits after the re-read: counted once.
  m.apply('104', [['x', 'CLAIMED', -1]]);
  t.match(m.byState(), { CLAIMED: 3 });
  // A later re-read that saw everything: the changes below its xmin are dropped, nothing is re-applied.
  m.load(base(0, 3), '105:105:');
  t.match(m.byState(), { WAITING: 0, CLAIMED: 3 });
});
