import { Flags } from '@oclif/core';
import { BlanketCommand } from '../../cli/base.js';

export default class WorkerStart extends BlanketCommand {
  static summary = 'Start another local worker, supervised by the daemon.';
  static description = 'It claims only tasks whose tags are all among its own. Without --tags it has the tags detected on this host.';
  static examples = ['<%= config.bin %> worker start --tags unix,gpu --slots 2 --name gpu', '<%= config.bin %> worker start --slots 4'];
  static flags = {
    tags: Flags.string({ description: 'Its tags, comma-separated (default: detected from the host).' }),
    slots: Flags.integer({ description: 'Tasks it runs at once.', default: 1, min: 1, max: 1024 }),
    name: Flags.string({ description: 'Its id (default: worker-N).' }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(WorkerStart);
    const tags = flags.tags?.split(',').map((t) => t.trim()).filter(Boolean);
    const w = await this.call('worker.start', { slots: flags.slots, ...(tags ? { tags } : {}), ...(flags.name ? { name: flags.name } : {}) });
    this.output(w, (x) => `worker ${x.id} started (pid ${x.pid}, ${x.slots} slot${x.slots === 1 ? '' : 's'}, tags ${x.tags.join(',')})`);
  }
}
