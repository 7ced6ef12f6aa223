import { BlanketCommand } from '../../cli/base.js';

export default class DaemonStop extends BlanketCommand {
  static summary = 'Stop the daemon cleanly and wait until it has exited.';
  static examples = ['<%= config.bin %> daemon stop'];

  async run(): Promise<void> {
    await this.parse(DaemonStop);
    const { stop } = await import('../../cli/daemon-control.js');
    const pid = await stop(await this.paths());
    this.output({ stopped: pid !== undefined, pid: pid ?? null }, (r) => (r.stopped ? `blanket daemon stopped (pid ${r.pid})` : 'no daemon was running'));
  }
}
