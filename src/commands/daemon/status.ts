import { BlanketCommand } from '../../cli/base.js';
import { BlanketError } from '../../protocol/errors.js';
import { formatDuration } from '../../core/duration.js';

export default class DaemonStatus extends BlanketCommand {
  static summary = 'Say whether the daemon runs, with its pid, uptime, home and task counts.';
  static description = 'Exits 0 when a daemon answers, 3 when none runs (it does not start one).';
  static examples = ['<%= config.bin %> daemon status', '<%= config.bin %> daemon status --json'];

  async run(): Promise<void> {
    await this.parse(DaemonStatus);
    const { status } = await import('../../cli/daemon-control.js');
    const paths = await this.paths();
    const s = await status(paths);
    if (!s) throw new BlanketError('DAEMON_UNAVAILABLE', `no daemon is running for ${paths.home}`, { hint: "start it with 'blanket daemon start'" });
    this.output(s, (r) =>
      [
        `running   pid ${r.pid}, up ${formatDuration(Date.now() - r.startedAt)}, version ${r.version} (protocol ${r.protocol})`,
        `home      ${r.home}`,
        `socket    ${r.socket}`,
        `tasks     ${Object.entries(r.counts).filter(([, n]) => n > 0).map(([k, n]) => `${k} ${n}`).join(', ') || 'none'}`,
      ].join('\n'),
    );
  }
}
