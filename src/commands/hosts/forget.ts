import { renderForget } from '../../cli/render/hosts.js';
import { command } from '../../cli/spec.js';

export default command({
  summary: 'Forget a host gone for good, so that every daemon may archive its finished tasks.',
  description:
    'Only for a daemon whose lease has expired (stop it for good first); refused for a live one, for this daemon and for an unknown name, changing nothing. Its lease row goes and its name is recorded as forgotten: [retention] and `rm` on every daemon then archive its finished tasks (the archive entry notes that the output stayed on that host), and `logs` of them says OUTPUT_ON_FORGOTTEN_HOST. A daemon started again under a forgotten name refuses to start (HOST_FORGOTTEN): give it a new store.host to rejoin.',
  examples: ['<%= config.bin %> hosts forget build-7', '<%= config.bin %> hosts forget build-7 --json'],
  args: [{ name: 'name', description: "The host's name (store.host), as 'hosts ls' shows it.", required: true }],
  async run({ args, call, output }) {
    output(await call('hosts.forget', { name: args.name! }), renderForget);
  },
});
