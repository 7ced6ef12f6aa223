import { command } from '../../cli/spec.js';
import { LOG_LEVELS } from '../../core/logline.js';

export default command({
  summary: "Print a worker's own log for people (time, level, message, fields); -f follows it.",
  description:
    'The worker writes logs/worker-NAME.log (JSON lines, rotated). With --json, the result is printed: the stored lines as they are, in "text" (the daemon sends them in pages of at most 512 KiB; they are joined).',
  examples: ['<%= config.bin %> worker logs local', '<%= config.bin %> worker logs -f local', '<%= config.bin %> worker logs local --level warn -n 20'],
  args: [{ name: 'id', description: 'Worker id.', required: true }],
  flags: {
    follow: { kind: 'boolean', char: 'f', description: 'Keep printing new lines (Ctrl-C to stop).' },
    lines: { kind: 'integer', char: 'n', description: 'Last N lines.', default: 100, min: 0 },
    level: { kind: 'string', char: 'l', description: 'Only lines at this level or above.', options: LOG_LEVELS },
  },
  async run({ args, flags, call, output, json }) {
    const level = flags.level as (typeof LOG_LEVELS)[number] | undefined;
    // Pages come newest first, each at most 512 KiB; older pages go in front.
    let r = await call('worker.logs', { id: args.id!, lines: flags.lines, ...(level ? { level } : {}) });
    let text = r.text;
    let got = text === '' ? 0 : text.split('\n').length - 1;
    while (r.before !== undefined && got < flags.lines) {
      r = await call('worker.logs', { id: args.id!, lines: flags.lines - got, before: r.before, ...(level ? { level } : {}) });
      text = r.text + text;
      got += r.text === '' ? 0 : r.text.split('\n').length - 1;
    }
    r = { text, path: r.path };
    if (json && !flags.follow) return output(r, () => '');
    const { printLog } = await import('../../cli/logs.js');
    const initial = r.text === '' ? [] : r.text.replace(/\n$/, '').split('\n');
    await printLog(r.path, { lines: flags.lines, follow: flags.follow, raw: json, ...(level ? { level } : {}) }, initial);
  },
});
