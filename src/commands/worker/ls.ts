import { BlanketCommand } from '../../cli/base.js';
import { renderWorkers } from '../../cli/render/workers.js';

export default class WorkerLs extends BlanketCommand {
  static summary = 'List workers: state, slots in use, heartbeat, tags.';
  static examples = ['<%= config.bin %> worker ls'];

  async run(): Promise<void> {
    await this.parse(WorkerLs);
    this.output(await this.call('worker.ls', {}), (r) => renderWorkers(r.workers, Date.now()));
  }
}
