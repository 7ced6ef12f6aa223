import { command } from '../../cli/spec.js';
import { LOG_LEVELS } from '../../core/logline.js';

export default command({
  summary: "Print the daemon's log for people (time, level, message, fields); -f follows it.",
  description: `Reads logs/daemon.log and, for older lines, its rotated files (daemon.log.1, …). It reads the files directly, so it works while no daemon runs (and does not start one). With --json, the lines are printed as they are stored: one JSON object each. What the daemon printed outside its log (a crash) is in logs/daemon.out.`,
  examples: ['<%= config.bin %> daemon logs', '<%= config.bin %> daemon logs -f --level warn', '<%= config.bin %> daemon logs -n 1000 --json | grep 0kq3'],
  flags: {
    follow: { kind: 'boolean', char: 'f', description: 'Keep printing new lines (Ctrl-C to stop).' },
    lines: { kind: 'integer', char: 'n', description: 'Last N lines.', default: 50, min: 0 },
    level: { kind: 'string', char: 'l', description: 'Only lines at this level or above.', options: LOG_LEVELS },
  },
  async run({ flags, json, paths }) {
    const path = await import('node:path');
    const { printLog } = await import('../../cli/logs.js');
    await printLog(path.join(paths().logs, 'daemon.log'), { lines: flags.lines, follow: flags.follow, raw: json, ...(flags.level ? { level: flags.level as never } : {}) });
  },
});
