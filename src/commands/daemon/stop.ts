import { BlanketCommand } from '../../cli/base.js';

export default class DaemonStop extends BlanketCommand {
  static summary = 'Stop the daemon and its workers cleanly, and wait until they have exited.';
  static description = 'Running tasks are stopped (TERM, grace, KILL to each process group) and end STOPPED; queued tasks stay queued for the next start. Use daemon restart to keep tasks running.';
  static examples = ['<%= config.bin %> daemon stop'];

  async run(): Promise<void> {
    await this.parse(DaemonStop);
    const { stop } = await import('../../cli/daemon-control.js');
    const pid = await stop(await this.paths());
    this.output({ stopped: pid !== undefined, pid: pid ?? null }, (r) => (r.stopped ? `blanket daemon stopped (pid ${r.pid})` : 'no daemon was running'));
  }
}
