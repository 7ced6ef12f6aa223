import { BlanketCommand } from '../../cli/base.js';

export default class DaemonRestart extends BlanketCommand {
  static summary = 'Stop the daemon (if running) and start it again.';
  static examples = ['<%= config.bin %> daemon restart'];

  async run(): Promise<void> {
    await this.parse(DaemonRestart);
    const { start, stop } = await import('../../cli/daemon-control.js');
    const paths = await this.paths();
    const old = await stop(paths);
    const pid = await start(paths);
    this.output({ stopped: old ?? null, pid }, (r) => `blanket daemon ${r.stopped ? `restarted (pid ${r.stopped} → ${r.pid})` : `started (pid ${r.pid})`}`);
  }
}
