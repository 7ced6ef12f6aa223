import { command } from '../cli/spec.js';

export default command({
  summary: 'Show task counts, throughput, latency percentiles, resource use and a history.',
  description: `Counts by state and type, tasks finished per minute, queue wait and run time (p50/p90/p99 over the latest 1000 finished tasks), memory, CPU and open files of the daemon and its workers, what running tasks use, disk used by result directories, and the history the daemon samples into its store (metrics.sample_interval). --format prometheus prints the Prometheus text format, as the optional HTTP listener serves it (metrics.listen).`,
  examples: [
    '<%= config.bin %> stats',
    '<%= config.bin %> stats --json | jq .latency.runTime',
    '<%= config.bin %> stats --format prometheus',
    '<%= config.bin %> stats --history 1440',
  ],
  flags: {
    format: { kind: 'string', char: 'F', description: 'text or prometheus.', default: 'text', options: ['text', 'prometheus'] },
    history: { kind: 'integer', description: 'How many samples of history to show (newest).', default: 60, min: 0, max: 100000 },
  },
  async run({ flags, call, output, json }) {
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
