import { Args, Flags } from '@oclif/core';
import { BlanketCommand } from '../../cli/base.js';

export default class WorkerStop extends BlanketCommand {
  static summary = 'Stop a worker: it finishes what it runs and takes nothing new (--kill stops its tasks too).';
  static examples = ['<%= config.bin %> worker stop gpu', '<%= config.bin %> worker stop --kill worker-1'];
  static args = { id: Args.string({ ignoreStdin: true, description: 'Worker id.', required: true }) };
  static flags = { kill: Flags.boolean({ description: 'Also stop its running tasks (they end STOPPED).' }) };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(WorkerStop);
    this.output(await this.call('worker.stop', { id: args.id, kill: flags.kill }), (w) => `worker ${w.id} ${w.state}`);
  }
}
