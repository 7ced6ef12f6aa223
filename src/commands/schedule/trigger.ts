import { command } from '../../cli/spec.js';

export default command({
  summary: 'Run a schedule once now, whatever its overlap policy and even when paused.',
  description: "The task records the schedule and now as its fire time. The schedule's own timing does not change.",
  examples: ['<%= config.bin %> schedule trigger backup', '<%= config.bin %> schedule trigger backup -q | xargs blanket wait'],
  args: [{ name: 'name', description: 'Schedule name.', required: true }],
  flags: { quiet: { kind: 'boolean', char: 'q', description: 'Print the task id only.' } },
  async run({ args, flags, call, output, warn }) {
    const result = await call('schedule.trigger', { name: args.name! });
    for (const w of result.warnings) warn(w);
    output(result, (r) => (flags.quiet ? r.task.id : `${r.task.id}  queued ${r.task.type} (schedule ${args.name})`));
  },
});
