// Pure renderer for `blanket stats`.
import { formatDuration } from '../../core/duration.js';
import type { Percentiles, StatsResult } from '../../protocol/methods.js';
import { STATES, type StatsSample } from '../../protocol/model.js';
import { colorState } from './task.js';
import { bold, dim, table } from '../style.js';

export function formatBytes(n: number | undefined): string {
  if (n === undefined) return '-';
  for (const [unit, s] of [
    ['GB', 1024 ** 3],
    ['MB', 1024 ** 2],
    ['KB', 1024],
  ] as const)
    if (n >= s) return `${(n / s).toFixed(n >= 10 * s ? 0 : 1)} ${unit}`;
  return `${n} B`;
}

const ms = (n: number | undefined) => (n === undefined ? '-' : n < 1000 ? `${Math.round(n)}ms` : formatDuration(n));
const cpu = (n: number | undefined) => (n === undefined ? '-' : n < 1000 ? `${n}ms` : formatDuration(n));

/** ▁▂▃▄▅▆▇█ for a series, scaled to its own maximum. */
export function sparkline(values: number[]): string {
  const bars = '▁▂▃▄▅▆▇█';
  const max = Math.max(...values, 0);
  return values.map((v) => (max === 0 ? bars[0] : bars[Math.min(7, Math.round((v / max) * 7))])).join('');
}

function pct(p: Percentiles): string[] {
  return p.count ? [ms(p.p50), ms(p.p90), ms(p.p99), ms(p.max), String(p.count)] : ['-', '-', '-', '-', '0'];
}

function history(h: StatsSample[]): string[] {
  if (h.length < 2) return [];
  const span = formatDuration(h[h.length - 1]!.at - h[0]!.at);
  const rows: Array<[string, number[], (n: number) => string]> = [
    ['queued', h.map((s) => s.counts.WAITING), String],
    ['running', h.map((s) => s.counts.RUNNING + s.counts.CLAIMED), String],
    ['finished', h.map((s) => s.finished), String],
    ['daemon rss', h.map((s) => s.rss), formatBytes],
  ];
  return [
    '',
    bold(`History`) + dim(` (${h.length} samples over ${span})`),
    table(rows.map(([name, v, f]) => [dim(name), sparkline(v), dim(`now ${f(v[v.length - 1]!)}, max ${f(Math.max(...v))}`)])),
  ];
}

export function renderStats(s: StatsResult): string {
  const out: string[] = [];
  const counts = STATES.filter((st) => s.counts[st] > 0).map((st) => `${colorState(st)} ${s.counts[st]}`);
  out.push(`${bold('Tasks')}  ${counts.join('  ') || dim('none')}`);
  const types = Object.keys(s.byType).sort();
  if (types.length) {
    const cols = STATES.filter((st) => types.some((t) => (s.byType[t]![st] ?? 0) > 0));
    out.push('', table([['TYPE', ...cols].map(dim), ...types.map((t) => [t, ...cols.map((st) => String(s.byType[t]![st] ?? '-'))])]));
  }
  const f = s.finished;
  const ge = f.capped ? '≥' : '';
  out.push('', `${bold('Throughput')}  ${ge}${f['1m']}/min over 1m   ${ge}${(f['5m'] / 5).toFixed(1)}/min over 5m   ${ge}${(f['15m'] / 15).toFixed(1)}/min over 15m`);
  const l = s.latency;
  out.push(
    '',
    bold('Latency') + dim(` (latest ${l.runTime.count} finished tasks that ran)`),
    table([
      ['', 'P50', 'P90', 'P99', 'MAX', 'N'].map(dim),
      ['queue wait', ...pct(l.queueWait)],
      ['run time', ...pct(l.runTime)],
      ...Object.entries(l.byType).flatMap(([t, x]) => [
        [dim(`${t} wait`), ...pct(x.queueWait)],
        [dim(`${t} run`), ...pct(x.runTime)],
      ]),
    ]),
  );
  const d = s.daemon;
  out.push(
    '',
    `${bold('Daemon')}  pid ${d.pid}, up ${formatDuration(d.uptime)}, rss ${formatBytes(d.rss)} (heap ${formatBytes(d.heapUsed)}), cpu ${cpu(d.cpu)}, ${d.fds ?? '?'} open fds, event loop lag ${ms(d.eventLoopLag)}, busy ${(d.eventLoopUtilization * 100).toFixed(1)}%`,
  );
  if (s.workers.length) {
    out.push(
      '',
      table([
        ['WORKER', 'STATE', 'SLOTS', 'RUNNING', 'RSS', 'CPU', 'FDS'].map(dim),
        ...s.workers.map((w) => [w.id, w.state, String(w.slots), String(w.running), formatBytes(w.rss), cpu(w.cpu), w.fds === undefined ? '-' : String(w.fds)]),
      ]),
    );
  }
  if (s.tasks.length) {
    out.push(
      '',
      table([
        ['RUNNING TASK', 'TYPE', 'WORKER', 'UP', 'PROCS', 'RSS', 'CPU'].map(dim),
        ...s.tasks.map((t) => [
          t.id,
          t.type,
          t.worker ?? '-',
          t.startedAt !== undefined ? formatDuration(s.at - t.startedAt) : '-',
          String(t.processes),
          formatBytes(t.rss),
          cpu(t.cpu),
        ]),
      ]),
    );
  }
  const disk = s.disk;
  out.push(
    '',
    `${bold('Results')}  ${disk.complete ? '' : '≥'}${formatBytes(disk.used)} in ${disk.complete ? '' : '≥'}${disk.files} files${disk.free !== undefined ? `, ${formatBytes(disk.free)} free` : ''} ${dim(`(measured ${formatDuration(Math.max(0, s.at - disk.measuredAt))} ago)`)}`,
  );
  out.push(...history(s.history));
  const sm = s.sampler;
  out.push(
    '',
    dim(
      `sampler: ${sm.intervalMs ? `every ${formatDuration(sm.intervalMs)}${sm.lastCostMs !== undefined ? `, the last took ${sm.lastCostMs}ms (${sm.lastCpuMs ?? '?'}ms CPU)` : ''}` : 'off'}; metrics: ${
        s.metrics === undefined ? 'off (metrics.listen)' : 'listen' in s.metrics ? `http://${s.metrics.listen}/metrics` : s.metrics.error
      }`,
    ),
  );
  return out.join('\n');
}
