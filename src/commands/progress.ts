import { usage } from '../cli/errors.js';
import { command } from '../cli/spec.js';

export default command({
  summary: 'Report progress from inside a running task (shown by ps, show and top).',
  description: 'Uses $BLANKET_APP_TASK_ID, which every task has. Writing "<percent> <message>" to $BLANKET_APP_TASK_RESULTS_DIRECTORY/.progress does the same without a process.',
  examples: ['<%= config.bin %> progress 40 "copying files"', 'echo "75 almost there" > "$BLANKET_APP_TASK_RESULTS_DIRECTORY/.progress"'],
  args: [
    { name: 'percent', description: 'A number from 0 to 100.', required: true },
    { name: 'message', description: 'What is happening.' },
  ],
  async run({ args, call, output }) {
    const id = process.env.BLANKET_APP_TASK_ID;
    if (!id) throw usage('not inside a blanket task: BLANKET_APP_TASK_ID is not set', "run this from a task's command");
    const percent = Number(args.percent!.replace(/%$/, ''));
    if (!Number.isFinite(percent) || percent < 0 || percent > 100) throw usage(`"${args.percent}" is not a percentage from 0 to 100`);
    output(await call('progress', { id, percent, message: args.message ?? '' }), () => '');
  },
});
