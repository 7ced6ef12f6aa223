import { Args } from '@oclif/core';
import { BlanketCommand } from '../../cli/base.js';

export default class WorkerPause extends BlanketCommand {
  static summary = 'Pause a worker: it keeps running what it has and claims nothing new.';
  static examples = ['<%= config.bin %> worker pause local'];
  static args = { id: Args.string({ ignoreStdin: true, description: 'Worker id.', required: true }) };

  async run(): Promise<void> {
    const { args } = await this.parse(WorkerPause);
    this.output(await this.call('worker.pause', { id: args.id }), (w) => `worker ${w.id} ${w.state}`);
  }
}
