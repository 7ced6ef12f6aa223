import { renderHosts } from '../../cli/render/hosts.js';
import { command } from '../../cli/spec.js';

export default command({
  summary: 'List the daemons sharing the store: lease (live, expired, forgotten), last renewal, address, tasks.',
  description:
    'With a PostgreSQL store: every daemon that registered (its store.host), whether its lease is live or expired since when, its last renewal, where it serves task output to peers, the tasks claimed or running on it, and the finished tasks whose output is in its home; and the hosts forgotten by `hosts forget`. With LevelDB: one row, this daemon.',
  examples: ['<%= config.bin %> hosts ls', '<%= config.bin %> hosts ls --json'],
  async run({ call, output }) {
    output(await call('hosts.ls', {}), (r) => renderHosts(r, Date.now()));
  },
});
