import { renderWorkers } from '../../cli/render/workers.js';
import { command } from '../../cli/spec.js';

export default command({
  summary: 'List workers: state, slots in use, heartbeat, tags.',
  examples: ['<%= config.bin %> worker ls'],
  async run({ call, output }) {
    output(await call('worker.ls', {}), (r) => renderWorkers(r.workers, Date.now()));
  },
});
