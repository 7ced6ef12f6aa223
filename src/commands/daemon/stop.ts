import { command } from '../../cli/spec.js';

export default command({
  summary: 'Stop the daemon and its workers cleanly, and wait until they have exited.',
  description:
    'Running tasks are stopped (TERM, grace, KILL to each process group) and end STOPPED; queued tasks stay queued for the next start. Use daemon restart to keep tasks running.',
  examples: ['<%= config.bin %> daemon stop'],
  async run({ paths, output }) {
    const { stop } = await import('../../cli/daemon-control.js');
    const pid = await stop(paths());
    output({ stopped: pid !== undefined, pid: pid ?? null }, (r) => (r.stopped ? `blanket daemon stopped (pid ${r.pid})` : 'no daemon was running'));
  },
});
