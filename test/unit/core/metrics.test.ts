// Stats arithmetic and the Prometheus text, parsed back by a strict parser.
import t from 'tap';
import { renderPrometheus } from '../../../src/core/metrics.js';
import { latency, percentiles, taskTimes } from '../../../src/core/stats.js';
import type { StatsResult } from '../../../src/protocol/methods.js';
import type { Task } from '../../../src/protocol/model.js';
import { parsePrometheus, promValue } from '../../helpers/prometheus.js';

t.test('percentiles: nearest rank', async (t) => {
  const p = percentiles(Array.from({ length: 100 }, (_, i) => 100 - i));
  t.same(p, { count: 100, p50: 50, p90: 90, p99: 99, max: 100, sum: 5050 });
  t.same(percentiles([7]), { count: 1, p50: 7, p90: 7, p99: 7, max: 7, sum: 7 });
  t.same(percentiles([]), { count: 0, p50: 0, p90: 0, p99: 0, max: 0, sum: 0 });
});

t.test('queue wait runs to the first start; run time is the last attempt', async (t) => {
  const task = {
    type: 'x',
    createdAt: 1000,
    startedAt: 9000,
    endedAt: 9500,
    attempts: [
      { attempt: 1, startedAt: 3000 },
      { attempt: 2, startedAt: 9000 },
    ],
  } as unknown as Task;
  t.same(taskTimes(task), { wait: 2000, run: 500 });
  t.equal(taskTimes({ ...task, startedAt: undefined } as Task), undefined, 'never ran (SKIPPED, cancelled)');
  const l = latency([task, { ...task, type: 'y', attempts: [] } as Task, { ...task, endedAt: undefined } as Task]);
  t.equal(l.runTime.count, 2);
  t.same(Object.keys(l.byType), ['x', 'y']);
  t.equal(l.byType.y!.queueWait.p50, 8000);
});

const pct = (n: number) => ({ count: n, p50: 1500, p90: 2000, p99: 2500, max: 3000, sum: 1500 * n });
const SAMPLE: StatsResult = {
  at: 1_700_000_000_000,
  version: '0.1.0',
  counts: { WAITING: 3, CLAIMED: 0, RUNNING: 1, SUCCESS: 10, ERROR: 2, TIMEDOUT: 0, STOPPED: 0, LOST: 0, SKIPPED: 1 },
  byType: { 'a.b-c': { SUCCESS: 10, WAITING: 3 }, shell: { ERROR: 2, RUNNING: 1, SKIPPED: 1 } },
  finished: { '1m': 2, '5m': 7, '15m': 13, capped: false },
  latency: { queueWait: pct(12), runTime: pct(12), byType: { 'a.b-c': { queueWait: pct(10), runTime: pct(10) }, shell: { queueWait: pct(0), runTime: pct(0) } } },
  daemon: { pid: 42, uptime: 60_000, rss: 50_000_000, heapUsed: 9_000_000, cpu: 1234, fds: 30, eventLoopLag: 0.4, eventLoopUtilization: 0.01 },
  workers: [
    { id: 'local', state: 'running', slots: 4, running: 1, pid: 43, rss: 40_000_000, cpu: 500, fds: 20 },
    { id: 'gone "x"\\y', state: 'lost', slots: 1, running: 0 },
  ],
  tasks: [{ id: '1abc', type: 'shell', worker: 'local', startedAt: 1, processes: 2, rss: 3_000_000, cpu: 10 }],
  disk: { used: 8192, files: 4, complete: true, measuredAt: 1, free: 1e12 },
  sampler: { intervalMs: 60_000, lastAt: 1, lastCostMs: 1.5 },
  history: [],
};

t.test('the Prometheus text parses back, value for value', async (t) => {
  const text = renderPrometheus(SAMPLE);
  const f = parsePrometheus(text);
  t.equal(f.get('blanket_tasks')?.type, 'gauge');
  t.equal(promValue(f, 'blanket_tasks', { state: 'WAITING' }), 3);
  t.equal(f.get('blanket_tasks')!.samples.length, 9, 'every state, zeros too');
  t.equal(promValue(f, 'blanket_type_tasks', { type: 'a.b-c', state: 'SUCCESS' }), 10);
  t.equal(promValue(f, 'blanket_type_tasks', { type: 'a.b-c', state: 'ERROR' }), undefined, 'zero counts by type are left out');
  t.equal(promValue(f, 'blanket_tasks_finished', { window: '15m' }), 13);
  t.equal(f.get('blanket_run_seconds')?.type, 'summary');
  t.equal(promValue(f, 'blanket_run_seconds', { quantile: '0.9' }), 2);
  t.equal(promValue(f, 'blanket_run_seconds_count'), 12);
  t.equal(promValue(f, 'blanket_run_seconds_sum'), 18);
  t.ok(Number.isNaN(promValue(f, 'blanket_type_run_seconds', { type: 'shell', quantile: '0.5' })!), 'no data: NaN, as Prometheus expects');
  t.equal(promValue(f, 'blanket_daemon_cpu_seconds_total'), 1.234);
  t.equal(f.get('blanket_daemon_cpu_seconds_total')?.type, 'counter');
  t.equal(promValue(f, 'blanket_daemon_event_loop_lag_seconds'), 0.0004);
  t.equal(promValue(f, 'blanket_worker_info', { worker: 'gone "x"\\y', state: 'lost' }), 1, 'label values escaped and read back');
  t.equal(promValue(f, 'blanket_worker_resident_memory_bytes', { worker: 'local' }), 40_000_000);
  t.equal(f.get('blanket_worker_resident_memory_bytes')!.samples.length, 1, 'no sample for what cannot be known');
  t.equal(promValue(f, 'blanket_task_processes', { task: '1abc', type: 'shell' }), 2);
  t.equal(promValue(f, 'blanket_results_disk_free_bytes'), 1e12);
  t.equal(promValue(f, 'blanket_info', { version: '0.1.0', pid: '42' }), 1);
  for (const fam of f.values()) t.ok(fam.help.length > 0, `${fam.name} has help`);
});

t.test('the parser rejects what a scraper would', async (t) => {
  t.throws(() => parsePrometheus('x 1\n'), /no TYPE/);
  t.throws(() => parsePrometheus('# TYPE x gauge\nx{a="b} 1\n'), /unterminated|not a sample/);
  t.throws(() => parsePrometheus('# TYPE x gauge\nx one\n'), /not a number/);
  t.throws(() => parsePrometheus('# TYPE x gauge\nx 1\nx 2\n'), /duplicate/);
  t.throws(() => parsePrometheus('# TYPE x gauge\nx 1'), /newline/);
});
