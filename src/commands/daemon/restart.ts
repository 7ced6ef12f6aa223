import { command } from '../../cli/spec.js';

export default command({
  summary: 'Restart the daemon; workers and their running tasks go on and reconnect.',
  description: 'Use it after an upgrade or a config change. Running tasks are not interrupted: their workers reconnect to the new daemon and report how they ended.',
  examples: ['<%= config.bin %> daemon restart'],
  async run({ paths: getPaths, output }) {
    const { start, stop } = await import('../../cli/daemon-control.js');
    const paths = getPaths();
    const old = await stop(paths, { keepWorkers: true });
    const pid = await start(paths);
    output({ stopped: old ?? null, pid }, (r) => `blanket daemon ${r.stopped ? `restarted (pid ${r.stopped} → ${r.pid})` : `started (pid ${r.pid})`}`);
  },
});
