import { Args } from '@oclif/core';
import { BlanketCommand } from '../../cli/base.js';

export default class WorkerResume extends BlanketCommand {
  static summary = 'Resume a paused worker.';
  static examples = ['<%= config.bin %> worker resume local'];
  static args = { id: Args.string({ ignoreStdin: true, description: 'Worker id.', required: true }) };

  async run(): Promise<void> {
    const { args } = await this.parse(WorkerResume);
    this.output(await this.call('worker.resume', { id: args.id }), (w) => `worker ${w.id} ${w.state}`);
  }
}
