import { command } from '../cli/spec.js';

export default command({
  summary: "Wait until tasks end; exit with the task's code (non-zero if any of several failed).",
  description:
    "Exit codes: the task's own code; 124 if it timed out; 128+N if a signal ended it; 1 for LOST or SKIPPED; 4 (code TASK_REMOVED) if a task is removed (blanket rm) while waited on.",
  examples: ['<%= config.bin %> wait 1sc46g00', '<%= config.bin %> wait $(blanket ps -q --state RUNNING) && echo all done'],
  variadic: true,
  args: [{ name: 'ids', description: 'Task ids or unique prefixes.', required: true }],
  flags: { quiet: { kind: 'boolean', char: 'q', description: 'Print nothing, just exit with the code.' } },
  async run({ argv, flags, client, output }) {
    const { waitForTasks } = await import('../cli/wait.js');
    const { combinedExitCode } = await import('../cli/outcome.js');
    const tasks = await waitForTasks(await client(), argv);
    if (!flags.quiet) output({ tasks }, (r) => r.tasks.map((t) => `${t.id}  ${t.state}${t.reason ? `  (${t.reason})` : ''}`).join('\n'));
    process.exitCode = combinedExitCode(tasks);
  },
});
