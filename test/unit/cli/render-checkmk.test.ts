// The Checkmk local check: one line per service, `STATUS SERVICE METRICS TEXT`, status from the thresholds.
import t from 'tap';
import { CHECKMK_DEFAULTS, renderCheckmk, renderCheckmkDown } from '../../../src/cli/render/checkmk.js';
import type { StatsResult } from '../../../src/protocol/methods.js';

const AT = 1_700_000_000_000;
const stats = (o: Partial<StatsResult> = {}): StatsResult =>
  ({
    at: AT,
    version: '1.2.3',
    counts: { WAITING: 5, CLAIMED: 1, RUNNING: 2, SUCCESS: 0, ERROR: 0, TIMEDOUT: 0, STOPPED: 0, LOST: 0, SKIPPED: 0 },
    daemon: { pid: 42, uptime: 3_600_000, eventLoopLag: 0.5 },
    workers: [{ id: 'local', state: 'running', slots: 4, running: 3 }],
    health: { failedLastHour: 0, capped: false },
    ...o,
  }) as StatsResult;

/** Each line as its four columns. */
const parse = (text: string) =>
  text
    .trimEnd()
    .split('\n')
    .map((l) => {
      const m = /^([0-3]) (\S+) (\S+) (.+)$/.exec(l);
      if (!m) throw new Error(`not a local-check line: ${l}`);
      return { status: Number(m[1]), service: m[2]!, metrics: m[3]!, text: m[4]! };
    });

t.test('all well: four OK lines with metrics and thresholds', async (t) => {
  const lines = parse(renderCheckmk(stats(), CHECKMK_DEFAULTS));
  t.same(
    lines.map((l) => [l.status, l.service]),
    [
      [0, 'blanket_daemon'],
      [0, 'blanket_queue'],
      [0, 'blanket_failures'],
      [0, 'blanket_workers'],
    ],
  );
  t.equal(lines[1]!.metrics, 'age=0;900;3600|waiting=5|running=3');
  t.equal(lines[2]!.metrics, 'failures=0;1;10');
  t.equal(lines[3]!.metrics, 'lost=0;1;1|workers=1');
  t.match(lines[1]!.text, /^OK - no runnable task waits/);
});

t.test('thresholds: queue age, failures, lost workers', async (t) => {
  const th = { age: { warn: 60_000, crit: 600_000 }, failures: { warn: 2, crit: 5 }, lost: { warn: 1, crit: 2 } };
  const table: Array<[Partial<StatsResult>, string, number]> = [
    [{ health: { oldestRunnableSince: AT - 59_000, failedLastHour: 0, capped: false } }, 'blanket_queue', 0],
    [{ health: { oldestRunnableSince: AT - 60_000, failedLastHour: 0, capped: false } }, 'blanket_queue', 1],
    [{ health: { oldestRunnableSince: AT - 600_000, failedLastHour: 0, capped: false } }, 'blanket_queue', 2],
    [{ health: { failedLastHour: 1, capped: false } }, 'blanket_failures', 0],
    [{ health: { failedLastHour: 2, capped: false } }, 'blanket_failures', 1],
    [{ health: { failedLastHour: 5, capped: true } }, 'blanket_failures', 2],
    [{ workers: [{ id: 'w', state: 'lost', slots: 1, running: 0 }] }, 'blanket_workers', 1],
    [
      {
        workers: [
          { id: 'w', state: 'lost', slots: 1, running: 0 },
          { id: 'v', state: 'lost', slots: 1, running: 0 },
        ],
      },
      'blanket_workers',
      2,
    ],
  ];
  for (const [o, service, want] of table) {
    const line = parse(renderCheckmk(stats(o), th)).find((l) => l.service === service)!;
    t.equal(line.status, want, `${service}: ${line.text}`);
    t.match(line.text, ['OK', 'WARN', 'CRIT'][want]!);
  }
  t.match(parse(renderCheckmk(stats({ health: { failedLastHour: 5, capped: true } }), th))[2]!.text, /at least 5 tasks/);
});

t.test('the daemon down: CRIT for it, UNKNOWN for the rest; a reason with a line break stays on one line', async (t) => {
  const lines = parse(renderCheckmkDown('no daemon is running\nfor /x | y'));
  t.same(
    lines.map((l) => [l.status, l.service, l.metrics]),
    [
      [2, 'blanket_daemon', '-'],
      [3, 'blanket_queue', '-'],
      [3, 'blanket_failures', '-'],
      [3, 'blanket_workers', '-'],
    ],
  );
  t.match(lines[0]!.text, /^CRIT - the blanket daemon is not running: no daemon is running for \/x y$/);
});
