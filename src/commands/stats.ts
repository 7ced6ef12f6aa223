import { command } from '../cli/spec.js';
import { usage } from '../cli/errors.js';
import { parseDuration } from '../core/duration.js';
import type { CheckmkThresholds } from '../cli/render/checkmk.js';

export default command({
  summary: 'Show task counts, throughput, latency percentiles, resource use and a history.',
  description: `Counts by state and type, tasks finished per minute, queue wait and run time (p50/p90/p99 over the latest 1000 finished tasks), memory, CPU and open files of the daemon and its workers, what running tasks use, disk used by result directories, and the history the daemon samples into its store (metrics.sample_interval). --format prometheus prints the Prometheus text format, as the optional HTTP listener serves it (metrics.listen). --format checkmk prints a Checkmk local check: blanket_daemon, blanket_queue (how long the longest-runnable task has waited), blanket_failures (tasks that ended ERROR, TIMEDOUT or LOST in the last hour) and blanket_workers (lost workers), each OK, WARN or CRIT by the --warn-*/--crit-* thresholds; it never starts the daemon: with none running it prints CRIT for blanket_daemon and UNKNOWN for the rest, and exits 0 as Checkmk expects of a local check.`,
  examples: [
    '<%= config.bin %> stats',
    '<%= config.bin %> stats --json | jq .latency.runTime',
    '<%= config.bin %> stats --format prometheus',
    '<%= config.bin %> stats --history 1440',
    '<%= config.bin %> stats --format checkmk --warn-age 5m --crit-age 30m',
  ],
  flags: {
    format: { kind: 'string', char: 'F', description: 'text, prometheus or checkmk.', default: 'text', options: ['text', 'prometheus', 'checkmk'] },
    history: { kind: 'integer', description: 'How many samples of history to show (newest).', default: 60, min: 0, max: 100000 },
    'warn-age': { kind: 'string', description: 'checkmk: WARN when the longest-runnable task has waited this long.', default: '15m', helpValue: 'DURATION', helpGroup: 'CHECKMK' },
    'crit-age': { kind: 'string', description: 'checkmk: CRIT when the longest-runnable task has waited this long.', default: '1h', helpValue: 'DURATION', helpGroup: 'CHECKMK' },
    'warn-failures': { kind: 'integer', description: 'checkmk: WARN at this many failed tasks in the last hour.', default: 1, min: 1, helpGroup: 'CHECKMK' },
    'crit-failures': { kind: 'integer', description: 'checkmk: CRIT at this many failed tasks in the last hour.', default: 10, min: 1, helpGroup: 'CHECKMK' },
    'warn-lost': { kind: 'integer', description: 'checkmk: WARN at this many lost workers.', default: 1, min: 1, helpGroup: 'CHECKMK' },
    'crit-lost': { kind: 'integer', description: 'checkmk: CRIT at this many lost workers.', default: 1, min: 1, helpGroup: 'CHECKMK' },
  },
  async run(ctx) {
    const { flags, call, output, json } = ctx;
    if (flags.format === 'checkmk' && !json) {
      const th = thresholds(flags);
      const { renderCheckmk, renderCheckmkDown } = await import('../cli/render/checkmk.js');
      let text: string;
      try {
        const client = await ctx.client({ autostart: false });
        text = renderCheckmk(await client.call('stats', { history: 0 }), th);
      } catch (err) {
        text = renderCheckmkDown((err as Error).message);
      }
      process.stdout.write(text);
      return;
    }
    const r = await call('stats', { history: flags.format === 'prometheus' && !json ? 0 : flags.history });
    if (flags.format === 'prometheus' && !json) {
      const { renderPrometheus } = await import('../core/metrics.js');
      process.stdout.write(renderPrometheus(r));
      return;
    }
    const { renderStats } = await import('../cli/render/stats.js');
    output(r, renderStats);
  },
});

/** The --warn-X and --crit-X flags, checked: durations that parse, and no WARN above its CRIT. */
function thresholds(f: { 'warn-age': string; 'crit-age': string; 'warn-failures': number; 'crit-failures': number; 'warn-lost': number; 'crit-lost': number }): CheckmkThresholds {
  const age = (name: 'warn-age' | 'crit-age'): number => {
    const ms = parseDuration(f[name]);
    if (ms === undefined || ms <= 0) throw usage(`--${name} "${f[name]}" is not a duration`, `give a duration above zero, such as "15m", "1h" or "90s"`);
    return ms;
  };
  const th: CheckmkThresholds = {
    age: { warn: age('warn-age'), crit: age('crit-age') },
    failures: { warn: f['warn-failures'], crit: f['crit-failures'] },
    lost: { warn: f['warn-lost'], crit: f['crit-lost'] },
  };
  for (const k of ['age', 'failures', 'lost'] as const)
    if (th[k].warn > th[k].crit) throw usage(`--warn-${k} is above --crit-${k}`, `a WARN threshold must be at most its CRIT one (--warn-${k} ≤ --crit-${k})`);
  return th;
}
