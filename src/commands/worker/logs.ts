import { command } from '../../cli/spec.js';

export default command({
  summary: "Print a worker's own log (JSON lines); -f follows it.",
  examples: ['<%= config.bin %> worker logs local', '<%= config.bin %> worker logs -f local'],
  args: [{ name: 'id', description: 'Worker id.', required: true }],
  flags: {
    follow: { kind: 'boolean', char: 'f', description: 'Keep printing new lines (Ctrl-C to stop).' },
    lines: { kind: 'integer', char: 'n', description: 'Last N lines.', default: 100, min: 0 },
  },
  async run({ args, flags, call, output, json }) {
    const r = await call('worker.logs', { id: args.id!, lines: flags.lines });
    if (json) return output(r, () => '');
    process.stdout.write(r.text);
    if (!flags.follow) return;
    const { statSync } = await import('node:fs');
    const { follow } = await import('../../daemon/logs.js');
    follow(r.path, statSync(r.path).size, (d) => process.stdout.write(d), true);
    await new Promise(() => {}); // the watcher keeps us running until Ctrl-C
  },
});
