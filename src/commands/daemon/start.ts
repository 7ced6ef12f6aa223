import { Flags } from '@oclif/core';
import { BlanketCommand } from '../../cli/base.js';

export default class DaemonStart extends BlanketCommand {
  static summary = 'Start the daemon for this home (other commands start it when needed).';
  static examples = ['<%= config.bin %> daemon start', '<%= config.bin %> daemon start --foreground   # logs to the terminal, for debugging'];
  static flags = { foreground: Flags.boolean({ char: 'f', description: 'Run in this terminal instead of detaching.' }) };

  async run(): Promise<void> {
    const { flags } = await this.parse(DaemonStart);
    if (flags.foreground) {
      const { DAEMON_ENTRY } = await import('../../pkg.js');
      await import(DAEMON_ENTRY);
      await new Promise(() => {}); // the daemon exits the process when it stops
    }
    const { start } = await import('../../cli/daemon-control.js');
    const paths = await this.paths();
    const pid = await start(paths);
    this.output({ pid, home: paths.home, socket: paths.socket }, (r) => `blanket daemon started (pid ${r.pid}) for ${r.home}`);
  }
}
