import { command } from '../../cli/spec.js';
import { formatDuration } from '../../core/duration.js';
import { BlanketError } from '../../protocol/errors.js';

export default command({
  summary: 'Say whether the daemon runs, with its pid, uptime, home, store and task counts.',
  description: 'Exits 0 when a daemon answers, 3 when none runs (it does not start one).',
  examples: ['<%= config.bin %> daemon status', '<%= config.bin %> daemon status --json'],
  async run({ paths: getPaths, output }) {
    const { status } = await import('../../cli/daemon-control.js');
    const paths = getPaths();
    const s = await status(paths);
    if (!s) throw new BlanketError('DAEMON_UNAVAILABLE', `no daemon is running for ${paths.home}`, { hint: "start it with 'blanket daemon start'" });
    output(s, (r) =>
      [
        `running   pid ${r.pid}, up ${formatDuration(Date.now() - r.startedAt)}, version ${r.version} (protocol ${r.protocol})`,
        `home      ${r.home}`,
        `socket    ${r.socket}`,
        ...(r.store ? [`store     ${r.store.kind} ${r.store.location}`] : []),
        ...(r.host !== undefined ? [`host      ${r.host}`] : []),
        `memory    ${Math.round(r.rss / 1024 / 1024)} MB, ${formatDuration(r.cpu)} CPU`,
        `workers   ${r.workers}`,
        `tasks     ${
          Object.entries(r.counts)
            .filter(([, n]) => n > 0)
            .map(([k, n]) => `${k} ${n}`)
            .join(', ') || 'none'
        }`,
        ...(r.storeWarnings ?? []).map((w) => `store     ${w}`),
      ].join('\n'),
    );
  },
});
