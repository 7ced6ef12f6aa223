import { command } from '../cli/spec.js';

export default command({
  summary: "Print a task's output; -f follows it until the task ends.",
  description:
    'Prints the output byte for byte (binary too), fetched in pages of at most 512 KiB and written as fast as stdout takes it; a closed pipe (| head) ends it quietly. With --json, each page is printed as its RPC result, one JSON object a line, the bytes in base64 in "data". -f prints text as it is written.',
  examples: ['<%= config.bin %> logs 1sc46g00', '<%= config.bin %> logs -f 1sc46g00', '<%= config.bin %> logs -n 50 --stderr 1sc46g00'],
  args: [{ name: 'id', description: 'Task id or unique prefix.', required: true }],
  flags: {
    follow: { kind: 'boolean', char: 'f', description: 'Keep printing new output until the task ends.' },
    lines: { kind: 'integer', char: 'n', description: 'Only the last N lines (default: all; 10 with -f).', min: 0 },
    stderr: { kind: 'boolean', description: 'Standard error instead of standard output.' },
  },
  async run({ args, flags, client, json }) {
    const stream = flags.stderr ? 'stderr' : 'stdout';
    if (flags.follow) {
      const { followLog } = await import('../cli/follow.js');
      await followLog(await client(), args.id!, { stream, lines: flags.lines ?? 10, write: (t) => process.stdout.write(t) });
      return;
    }
    const { printTaskLogs } = await import('../cli/task-logs.js');
    await printTaskLogs(await client(), args.id!, { stream, json, ...(flags.lines !== undefined ? { lines: flags.lines } : {}) });
  },
});
