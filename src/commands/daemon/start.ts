import { command } from '../../cli/spec.js';

export default command({
  summary: 'Start the daemon for this home (other commands start it when needed).',
  examples: ['<%= config.bin %> daemon start', '<%= config.bin %> daemon start --foreground   # logs to the terminal, for debugging'],
  flags: { foreground: { kind: 'boolean', char: 'f', description: 'Run in this terminal instead of detaching.' } },
  async run({ flags, paths: getPaths, output }) {
    if (flags.foreground) {
      const { DAEMON_ENTRY } = await import('../../pkg.js');
      await import(DAEMON_ENTRY);
      await new Promise(() => {}); // the daemon exits the process when it stops
    }
    const { start } = await import('../../cli/daemon-control.js');
    const paths = getPaths();
    const pid = await start(paths);
    output({ pid, home: paths.home, socket: paths.socket }, (r) => `blanket daemon started (pid ${r.pid}) for ${r.home}`);
  },
});
