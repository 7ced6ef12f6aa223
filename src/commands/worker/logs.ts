import { command } from '../../cli/spec.js';
import { LOG_LEVELS } from '../../core/logline.js';

export default command({
  summary: "Print a worker's own log for people (time, level, message, fields); -f follows it.",
  description: 'The worker writes logs/worker-NAME.log (JSON lines, rotated). With --json, the RPC result is printed: the stored lines as they are, in "text".',
  examples: ['<%= config.bin %> worker logs local', '<%= config.bin %> worker logs -f local', '<%= config.bin %> worker logs local --level warn -n 20'],
  args: [{ name: 'id', description: 'Worker id.', required: true }],
  flags: {
    follow: { kind: 'boolean', char: 'f', description: 'Keep printing new lines (Ctrl-C to stop).' },
    lines: { kind: 'integer', char: 'n', description: 'Last N lines.', default: 100, min: 0 },
    level: { kind: 'string', char: 'l', description: 'Only lines at this level or above.', options: LOG_LEVELS },
  },
  async run({ args, flags, call, output, json }) {
    const level = flags.level as (typeof LOG_LEVELS)[number] | undefined;
    const r = await call('worker.logs', { id: args.id!, lines: flags.lines, ...(level ? { level } : {}) });
    if (json && !flags.follow) return output(r, () => '');
    const { printLog } = await import('../../cli/logs.js');
    const initial = r.text === '' ? [] : r.text.replace(/\n$/, '').split('\n');
    await printLog(r.path, { lines: flags.lines, follow: flags.follow, raw: json, ...(level ? { level } : {}) }, initial);
  },
});
