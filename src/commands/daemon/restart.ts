import { BlanketCommand } from '../../cli/base.js';

export default class DaemonRestart extends BlanketCommand {
  static summary = 'Restart the daemon; workers and their running tasks go on and reconnect.';
  static description = 'Use it after an upgrade or a config change. Running tasks are not interrupted: their workers reconnect to the new daemon and report how they ended.';
  static examples = ['<%= config.bin %> daemon restart'];

  async run(): Promise<void> {
    await this.parse(DaemonRestart);
    const { start, stop } = await import('../../cli/daemon-control.js');
    const paths = await this.paths();
    const old = await stop(paths, { keepWorkers: true });
    const pid = await start(paths);
    this.output({ stopped: old ?? null, pid }, (r) => `blanket daemon ${r.stopped ? `restarted (pid ${r.stopped} → ${r.pid})` : `started (pid ${r.pid})`}`);
  }
}
