import { command } from '../../cli/spec.js';

export default command({
  summary: 'Start another local worker, supervised by the daemon.',
  description: 'It claims only tasks whose tags are all among its own. Without --tags it has the tags detected on this host.',
  examples: ['<%= config.bin %> worker start --tags unix,gpu --slots 2 --name gpu', '<%= config.bin %> worker start --slots 4'],
  flags: {
    tags: { kind: 'string', description: 'Its tags, comma-separated (default: detected from the host).' },
    slots: { kind: 'integer', description: 'Tasks it runs at once.', default: 1, min: 1, max: 1024 },
    name: { kind: 'string', description: 'Its id (default: worker-N).' },
  },
  async run({ flags, call, output }) {
    const tags = flags.tags
      ?.split(',')
      .map((t) => t.trim())
      .filter(Boolean);
    const w = await call('worker.start', { slots: flags.slots, ...(tags ? { tags } : {}), ...(flags.name ? { name: flags.name } : {}) });
    output(w, (x) => `worker ${x.id} started (pid ${x.pid}, ${x.slots} slot${x.slots === 1 ? '' : 's'}, tags ${x.tags.join(',')})`);
  },
});
