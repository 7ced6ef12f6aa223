import { Args } from '@oclif/core';
import { BlanketCommand, usage } from '../cli/base.js';

export default class Progress extends BlanketCommand {
  static summary = 'Report progress from inside a running task (shown by ps, show and top).';
  static description = 'Uses $BLANKET_APP_TASK_ID, which every task has. Writing "<percent> <message>" to $BLANKET_APP_TASK_RESULTS_DIRECTORY/.progress does the same without a process.';
  static examples = ['<%= config.bin %> progress 40 "copying files"', 'echo "75 almost there" > "$BLANKET_APP_TASK_RESULTS_DIRECTORY/.progress"'];
  static args = {
    percent: Args.string({ ignoreStdin: true, description: 'A number from 0 to 100.', required: true }),
    message: Args.string({ ignoreStdin: true, description: 'What is happening.' }),
  };

  async run(): Promise<void> {
    const { args } = await this.parse(Progress);
    const id = process.env.BLANKET_APP_TASK_ID;
    if (!id) throw usage('not inside a blanket task: BLANKET_APP_TASK_ID is not set', 'run this from a task\'s command');
    const percent = Number(args.percent.replace(/%$/, ''));
    if (!Number.isFinite(percent) || percent < 0 || percent > 100) throw usage(`"${args.percent}" is not a percentage from 0 to 100`);
    this.output(await this.call('progress', { id, percent, message: args.message ?? '' }), () => '');
  }
}
