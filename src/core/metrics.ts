// Stats in the Prometheus text exposition format (version 0.0.4). Pure: the
// daemon's HTTP listener and `blanket stats --format prometheus` both use it.
import type { Percentiles, StatsResult } from '../protocol/methods.js';

export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

type Labels = Record<string, string>;
type Kind = 'gauge' | 'counter' | 'summary';

function escapeLabel(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function num(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

class Writer {
  private lines: string[] = [];

  family(name: string, kind: Kind, help: string): void {
    this.lines.push(`# HELP ${name} ${help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}`, `# TYPE ${name} ${kind}`);
  }

  sample(name: string, labels: Labels, value: number): void {
    const l = Object.entries(labels);
    this.lines.push(`${name}${l.length ? `{${l.map(([k, v]) => `${k}="${escapeLabel(v)}"`).join(',')}}` : ''} ${num(value)}`);
  }

  /** One family, one sample per entry; nothing at all when there are no entries. */
  gauge(name: string, help: string, entries: Array<[Labels, number | undefined]>, kind: Kind = 'gauge'): void {
    const present = entries.filter((e): e is [Labels, number] => e[1] !== undefined);
    if (!present.length) return;
    this.family(name, kind, help);
    for (const [labels, v] of present) this.sample(name, labels, v);
  }

  /** A summary in seconds from percentiles in ms; one series per label set. */
  summary(name: string, help: string, series: Array<[Labels, Percentiles]>): void {
    if (!series.length) return;
    this.family(name, 'summary', help);
    for (const [labels, p] of series) {
      for (const [q, v] of [
        ['0.5', p.p50],
        ['0.9', p.p90],
        ['0.99', p.p99],
      ] as const)
        this.sample(name, { ...labels, quantile: q }, p.count ? v / 1000 : NaN);
      this.sample(`${name}_sum`, labels, p.sum / 1000);
      this.sample(`${name}_count`, labels, p.count);
    }
  }

  text(): string {
    return this.lines.join('\n') + '\n';
  }
}

const sec = (ms: number | undefined) => (ms === undefined ? undefined : ms / 1000);

export function renderPrometheus(s: StatsResult): string {
  const w = new Writer();
  w.gauge('blanket_info', 'The daemon: its version and pid.', [[{ version: s.version, pid: String(s.daemon.pid) }, 1]]);
  w.gauge(
    'blanket_tasks',
    'Tasks in each state.',
    Object.entries(s.counts).map(([state, n]) => [{ state }, n]),
  );
  w.gauge(
    'blanket_type_tasks',
    'Tasks of each type in each state (states with none are left out).',
    Object.entries(s.byType).flatMap(([type, counts]) => Object.entries(counts).map(([state, n]): [Labels, number] => [{ type, state }, n])),
  );
  w.gauge(
    'blanket_tasks_finished',
    'Tasks that ended within the last window.',
    (['1m', '5m', '15m'] as const).map((window) => [{ window }, s.finished[window]]),
  );
  w.summary('blanket_queue_wait_seconds', 'From submit to first start, over the latest finished tasks.', [[{}, s.latency.queueWait]]);
  w.summary('blanket_run_seconds', 'From start to end of the last attempt, over the latest finished tasks.', [[{}, s.latency.runTime]]);
  w.summary(
    'blanket_type_queue_wait_seconds',
    'Queue wait by type, over the latest finished tasks.',
    Object.entries(s.latency.byType).map(([type, l]) => [{ type }, l.queueWait]),
  );
  w.summary(
    'blanket_type_run_seconds',
    'Run time by type, over the latest finished tasks.',
    Object.entries(s.latency.byType).map(([type, l]) => [{ type }, l.runTime]),
  );

  const d = s.daemon;
  w.gauge('blanket_daemon_uptime_seconds', 'Seconds since the daemon started.', [[{}, sec(d.uptime)]]);
  w.gauge('blanket_daemon_resident_memory_bytes', 'Resident memory of the daemon.', [[{}, d.rss]]);
  w.gauge('blanket_daemon_heap_used_bytes', 'JavaScript heap in use in the daemon.', [[{}, d.heapUsed]]);
  w.gauge('blanket_daemon_cpu_seconds_total', 'CPU time the daemon has used.', [[{}, sec(d.cpu)]], 'counter');
  w.gauge('blanket_daemon_open_fds', 'Open file descriptors of the daemon.', [[{}, d.fds]]);
  w.gauge('blanket_daemon_event_loop_lag_seconds', "How late the daemon's event loop ran a timer when asked.", [[{}, sec(d.eventLoopLag)]]);
  w.gauge('blanket_daemon_event_loop_utilization', 'Share of time the event loop was busy since the previous scrape, 0 to 1.', [[{}, d.eventLoopUtilization]]);

  const wl = (x: { id: string }) => ({ worker: x.id });
  w.gauge(
    'blanket_worker_info',
    'Workers and their state.',
    s.workers.map((x) => [{ worker: x.id, state: x.state }, 1]),
  );
  w.gauge(
    'blanket_worker_slots',
    'Tasks a worker runs at once.',
    s.workers.map((x) => [wl(x), x.slots]),
  );
  w.gauge(
    'blanket_worker_running_tasks',
    'Tasks a worker holds now.',
    s.workers.map((x) => [wl(x), x.running]),
  );
  w.gauge(
    'blanket_worker_resident_memory_bytes',
    'Resident memory of a worker process.',
    s.workers.map((x) => [wl(x), x.rss]),
  );
  w.gauge(
    'blanket_worker_cpu_seconds_total',
    'CPU time a worker process has used.',
    s.workers.map((x) => [wl(x), sec(x.cpu)]),
    'counter',
  );
  w.gauge(
    'blanket_worker_open_fds',
    'Open file descriptors of a worker process.',
    s.workers.map((x) => [wl(x), x.fds]),
  );

  const tl = (x: { id: string; type: string }) => ({ task: x.id, type: x.type });
  w.gauge(
    'blanket_task_processes',
    "Processes in a running task's process group.",
    s.tasks.map((x) => [tl(x), x.processes]),
  );
  w.gauge(
    'blanket_task_resident_memory_bytes',
    "Resident memory of a running task's processes.",
    s.tasks.map((x) => [tl(x), x.rss]),
  );
  w.gauge(
    'blanket_task_cpu_seconds_total',
    "CPU time used by a running task's live processes.",
    s.tasks.map((x) => [tl(x), sec(x.cpu)]),
    'counter',
  );

  w.gauge('blanket_results_disk_used_bytes', 'Disk used by result directories (at the last measurement).', [[{}, s.disk.used]]);
  w.gauge('blanket_results_files', 'Files in result directories (at the last measurement).', [[{}, s.disk.files]]);
  w.gauge('blanket_results_disk_free_bytes', 'Free space on the filesystem of the result directories.', [[{}, s.disk.free]]);
  w.gauge('blanket_sampler_last_cost_seconds', 'How long the last history sample took to take and write.', [[{}, sec(s.sampler.lastCostMs)]]);
  w.gauge('blanket_sampler_last_cpu_seconds', 'CPU time the daemon used while it took the last sample.', [[{}, sec(s.sampler.lastCpuMs)]]);
  return w.text();
}
