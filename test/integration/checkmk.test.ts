// `blanket stats --format checkmk` through the real CLI and daemon: a Checkmk local check whose
// lines follow the queue, failures and the daemon itself; with no daemon it says so (CRIT),
// exits 0 and starts none; bad thresholds are usage errors.
import t from 'tap';
import { processesOf, TestHome, waitFor } from '../helpers/home.js';

const statusOf = (text: string, service: string): number | undefined => {
  const m = new RegExp(`^([0-3]) ${service} `, 'm').exec(text);
  return m ? Number(m[1]) : undefined;
};
const LINE = /^[0-3] blanket_[a-z]+ (-|[a-z]+=[\d.]+(;\d+;\d+)?(\|[a-z]+=[\d.]+(;\d+;\d+)?)*) (OK|WARN|CRIT|UNKNOWN) - .+$/;

t.test('daemon up: queue age and failures move the lines', async (t) => {
  const h = new TestHome(t, { workers: false });
  await h.ok(['daemon', 'start']); // stats --format checkmk never starts one
  const first = await h.run(['stats', '--format', 'checkmk']);
  t.equal(first.code, 0, first.stderr);
  const lines = first.stdout.trimEnd().split('\n');
  t.equal(lines.length, 4);
  for (const l of lines) t.match(l, LINE, 'a local-check line');
  for (const s of ['blanket_daemon', 'blanket_queue', 'blanket_failures', 'blanket_workers']) t.equal(statusOf(first.stdout, s), 0, `${s} OK`);

  await h.submit(['--', 'true']); // no worker: it waits
  const aged = await waitFor('the queue to age past 1ms', async () => {
    const r = await h.ok(['stats', '--format', 'checkmk', '--warn-age', '1ms', '--crit-age', '1h']);
    return statusOf(r, 'blanket_queue') === 1 ? r : undefined;
  });
  t.match(aged, /^1 blanket_queue age=\d+;0;3600\|waiting=1\|running=0 WARN - the longest-runnable task has waited/m);

  const h2 = new TestHome(t, { workers: 2 });
  for (let i = 0; i < 2; i++) await h2.run(['run', '--wait', '--', 'sh', '-c', 'exit 3']);
  const failed = await h2.ok(['stats', '--format', 'checkmk', '--crit-failures', '2']);
  t.match(failed, /^2 blanket_failures failures=2;1;2 CRIT - 2 tasks ended ERROR, TIMEDOUT or LOST in the last hour/m);
  t.equal(statusOf(await h2.ok(['stats', '--format', 'checkmk', '--warn-failures', '3', '--crit-failures', '5']), 'blanket_failures'), 0);
  t.match(await h2.ok(['stats', '--format', 'checkmk']), /^0 blanket_workers lost=0;1;1\|workers=1 OK/m);
});

t.test('daemon down: CRIT, exit 0, and no daemon is started', async (t) => {
  const h = new TestHome(t, { workers: false });
  await h.ok(['daemon', 'start']);
  await h.ok(['daemon', 'stop']);
  await waitFor('the daemon to be gone', () => processesOf(h.dir).length === 0);
  const r = await h.run(['stats', '--format', 'checkmk']);
  t.equal(r.code, 0, 'exit 0: the output says what is wrong');
  t.match(r.stdout, /^2 blanket_daemon - CRIT - the blanket daemon is not running: no daemon is running for /m);
  for (const s of ['blanket_queue', 'blanket_failures', 'blanket_workers']) t.equal(statusOf(r.stdout, s), 3, `${s} UNKNOWN`);
  t.same(processesOf(h.dir), [], 'no daemon was started');
});

t.test('bad thresholds: a usage error naming the flag, non-zero exit', async (t) => {
  const h = new TestHome(t, { workers: false });
  const cases: Array<[string[], RegExp]> = [
    [['--warn-age', 'soon'], /--warn-age "soon" is not a duration/],
    [['--warn-failures', '5', '--crit-failures', '2'], /--warn-failures is above --crit-failures/],
    [['--warn-age', '2h'], /--warn-age is above --crit-age/],
  ];
  for (const [flags, re] of cases) {
    const r = await h.run(['stats', '--format', 'checkmk', ...flags]);
    t.not(r.code, 0, flags.join(' '));
    t.match(r.stderr, re);
    t.match(r.stderr, /USAGE/);
    t.equal(r.stdout, '');
  }
});
