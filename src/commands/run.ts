import { Args, Flags } from '@oclif/core';
import { BlanketCommand, usage } from '../cli/base.js';
import { parseEnvFlags } from '../cli/env.js';
import type { SubmitParams } from '../protocol/methods.js';

export default class Run extends BlanketCommand {
  static summary = 'Submit a task of a type, or an ad-hoc command after --.';
  static description = `Queues a task and prints its id. With a TYPE, the task runs that type's command with the
environment given by -e. After --, the rest of the line is an ad-hoc command (type "shell"):
several words are each quoted and run as a command; one word is run as a shell command line.`;
  static examples = [
    '<%= config.bin %> run echo_task',
    '<%= config.bin %> run bash_task -e DEFAULT_COMMAND="make test" --label ci',
    "<%= config.bin %> run -- sh -c 'echo hi; exit 3'",
    "<%= config.bin %> run -- 'make && make install'",
    '<%= config.bin %> run -q --priority 10 -- ./backup.sh',
    '<%= config.bin %> run --batch tasks.jsonl',
  ];
  static strict = false;
  // ignoreStdin: oclif would otherwise read a missing argument from stdin, eating --batch - input.
  static args = { type: Args.string({ description: 'Task type name (see blanket types ls).', ignoreStdin: true }) };
  static flags = {
    env: Flags.string({ char: 'e', description: 'Environment variable NAME=VALUE (repeatable).', multiple: true, helpValue: 'NAME=VALUE' }),
    label: Flags.string({ char: 'l', description: 'A label to group and filter tasks by.' }),
    priority: Flags.integer({ char: 'p', description: 'Higher runs first (default: the type\'s, else 0).', min: -1000000, max: 1000000 }),
    retries: Flags.integer({ description: 'Retries after ERROR, TIMEDOUT or LOST (default: the type\'s).', min: 0, max: 1000 }),
    timeout: Flags.integer({ description: 'Seconds before the task is stopped and ends TIMEDOUT (default: the type\'s).', min: 0 }),
    after: Flags.string({ description: 'Run only after these tasks succeed (ids, comma-separated or repeated).', multiple: true, helpValue: 'ID' }),
    tag: Flags.string({ description: 'Extra tag a worker must have (repeatable).', multiple: true }),
    cwd: Flags.string({ description: 'Working directory (default: the task\'s result directory).' }),
    quiet: Flags.boolean({ char: 'q', description: 'Print the id only.' }),
    batch: Flags.string({ description: 'Submit many tasks from JSON lines (a file, or - for stdin); prints one id per line.', helpValue: 'FILE' }),
  };

  async run(): Promise<void> {
    const { args, argv, flags } = await this.parse(Run);
    if (flags.batch !== undefined) return this.runBatch(flags.batch, flags.quiet);
    const dashdash = this.argv.indexOf('--');
    const command = dashdash >= 0 ? this.argv.slice(dashdash + 1) : [];
    const env = parseEnvFlags(flags.env);
    let type = args.type;
    if (dashdash >= 0) {
      if (command.length === 0) throw usage('nothing after --', 'write the command after --, e.g. blanket run -- make test');
      if (argv.length > command.length) throw usage(`give either a TYPE or a command after --, not both (got "${type}")`);
      const { shellJoin } = await import('../core/template.js');
      env.COMMAND = command.length === 1 ? command[0]! : shellJoin(command);
      type = 'shell';
    } else if (type === undefined) {
      throw usage('no task type given', 'blanket run TYPE [-e K=V]…  or  blanket run -- COMMAND…  (list types: blanket types ls)');
    } else if (argv.length > 1) {
      throw usage(`unexpected argument "${argv[1]}"`, 'put an ad-hoc command after --');
    }
    const params: SubmitParams = { type, env };
    if (flags.label !== undefined) params.label = flags.label;
    if (flags.priority !== undefined) params.priority = flags.priority;
    if (flags.retries !== undefined) params.retries = flags.retries;
    if (flags.timeout !== undefined) params.timeout = flags.timeout;
    if (flags.tag?.length) params.tags = flags.tag;
    if (flags.cwd !== undefined) params.cwd = flags.cwd;
    if (flags.after?.length) params.after = flags.after.flatMap((a) => a.split(',')).map((s) => s.trim()).filter(Boolean);
    const result = await this.call('run', params);
    for (const w of result.warnings) this.warn2(w);
    this.output(result, (r) => (flags.quiet ? r.task.id : `${r.task.id}  queued ${r.task.type}${r.task.label ? ` [${r.task.label}]` : ''}`));
  }

  private async runBatch(file: string, quiet: boolean): Promise<void> {
    const { runBatch } = await import('../cli/batch.js');
    const ids = await runBatch(await this.client(), file);
    this.output({ ids }, (r) => r.ids.join('\n'));
    if (!quiet && !this.jsonMode) process.stderr.write(`blanket: queued ${ids.length} task${ids.length === 1 ? '' : 's'}\n`);
  }
}
