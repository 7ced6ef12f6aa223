import { parseEnvFlags } from '../cli/env.js';
import { usage } from '../cli/errors.js';
import { command, type CommandContext, type FlagSpec } from '../cli/spec.js';
import { BlanketError } from '../protocol/errors.js';
import type { SubmitParams } from '../protocol/methods.js';
import type { KeepOutput } from '../protocol/model.js';

const runFlags = {
  env: { kind: 'string', char: 'e', description: 'Environment variable NAME=VALUE (repeatable).', multiple: true, helpValue: 'NAME=VALUE' },
  label: { kind: 'string', char: 'l', description: 'A label to group and filter tasks by.' },
  priority: { kind: 'integer', char: 'p', description: "Higher runs first (default: the type's, else 0).", min: -1000000, max: 1000000 },
  retries: { kind: 'integer', description: "Retries after ERROR, TIMEDOUT or LOST (default: the type's).", min: 0, max: 1000 },
  timeout: { kind: 'integer', description: "Seconds before the task is stopped and ends TIMEDOUT (default: the type's).", min: 0 },
  after: { kind: 'string', description: 'Run only after these tasks succeed (ids, comma-separated or repeated).', multiple: true, helpValue: 'ID' },
  at: { kind: 'string', description: 'Start no earlier than WHEN: 10:30, 9pm, "tomorrow 9:00", "fri 18:00", 2026-12-24T18:00, or ISO with Z/offset.', helpValue: 'WHEN' },
  in: { kind: 'string', description: 'Start after DURATION: 30s, 10m, 2h30m, 1d.', helpValue: 'DURATION' },
  tag: { kind: 'string', description: 'Extra tag a worker must have (repeatable).', multiple: true },
  cwd: {
    kind: 'string',
    description: "Working directory, relative to this one (default: this one for a command after --; the type's cwd, else the task's result directory, for a TYPE).",
    helpValue: 'DIR',
  },
  quiet: { kind: 'boolean', char: 'q', description: 'Print the id only.' },
  batch: {
    kind: 'string',
    description: 'Submit many tasks from JSON lines (a file, or - for stdin); prints one id per line (--json: each line with its id or its error).',
    helpValue: 'FILE',
  },
  wait: { kind: 'boolean', char: 'w', description: 'Wait for the task to end and exit with its code.' },
  follow: { kind: 'boolean', char: 'f', description: 'Stream its output live, then exit with its code.' },
  result: { kind: 'string', description: "With --wait/--follow: then print this file from the task's result directory.", helpValue: 'FILE' },
  notify: { kind: 'boolean', description: 'A desktop notification when the task ends (notify-send; the daemon log when there is none).' },
  'keep-output': {
    kind: 'string',
    description: "What to keep of its output (default: the type's keep_output, else always): always; on_failure (removed when it ends SUCCESS); never (not written).",
    options: ['always', 'on_failure', 'never'],
    helpValue: 'POLICY',
  },
} as const satisfies Record<string, FlagSpec>;

type Ctx = CommandContext<typeof runFlags>;

export default command({
  summary: 'Submit a task of a type, or an ad-hoc command after --.',
  description: `Queues a task and prints its id. With a TYPE, the task runs that type's command with the
environment given by -e. After --, the rest of the line is an ad-hoc command (type "shell"):
several words are each quoted and run as a command; one word is run as a shell command line.
An ad-hoc command runs where and as you submit it: in this directory (or --cwd), with this
shell's environment (shown by name only in show; see docs/workers.md). A TYPE's task gets the
worker's environment and the type's cwd rule.
Every word after the first -- is the command's, exactly as typed (-q, --json, --help, -- too):
blanket's own flags go before it.

--at and --in delay the start: the task waits (ps shows "starts in 9m") and the daemon releases it at that time, with one timer and no polling. Times are read on this machine, in its time zone (TZ). A bare time of day that has passed today means tomorrow; any other time in the past is refused (code BAD_TIME): leave out --at to run now.

--keep-output on_failure removes the output (stdout.log, stderr.log, output.log) of a task that ends SUCCESS; never sends it to /dev/null (progress and the exit code still come through; --follow only waits). logs then says the output was not kept (code OUTPUT_NOT_KEPT).

--after makes the task wait until the given tasks end SUCCESS; when one of them ends ERROR, TIMEDOUT, STOPPED, LOST or SKIPPED (with no retries left), this one ends SKIPPED, and so do the tasks waiting for it. The tasks must exist; one that already succeeded counts as met.`,
  examples: [
    '<%= config.bin %> run echo_task',
    '<%= config.bin %> run bash_task -e DEFAULT_COMMAND="make test" --label ci',
    "<%= config.bin %> run --wait -- sh -c 'echo hi; exit 3'",
    "<%= config.bin %> run -- 'make && make install'",
    '<%= config.bin %> run -q --priority 10 -- ./backup.sh',
    '<%= config.bin %> run --follow -- ./deploy.sh',
    '<%= config.bin %> run --in 10m -- ./backup.sh',
    '<%= config.bin %> run --at "tomorrow 9:00" report -e TITLE=ops',
    '<%= config.bin %> run --after 1sc46g00,1sc46g01 -- make deploy',
    '<%= config.bin %> run --batch tasks.jsonl',
    '<%= config.bin %> run --keep-output on_failure -- ./nightly.sh',
  ],
  variadic: true,
  args: [{ name: 'type', description: 'Task type name (see blanket types ls).' }],
  flags: runFlags,
  async run(ctx: Ctx): Promise<void> {
    const { args, argv, dashdash: cmd, flags } = ctx;
    if (flags.batch !== undefined) return runBatch(ctx, flags.batch, flags.quiet);
    const env = parseEnvFlags(flags.env);
    let type = args.type;
    if (cmd !== undefined) {
      const positionalBeforeDashes = argv.length - cmd.length;
      if (cmd.length === 0) throw usage('nothing after --', 'write the command after --, e.g. blanket run -- make test');
      if (positionalBeforeDashes > 0) throw usage(`give either a TYPE or a command after --, not both (got "${type}")`);
      const { shellJoin } = await import('../core/template.js');
      env.COMMAND = cmd.length === 1 ? cmd[0]! : shellJoin(cmd);
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
    // Ad-hoc (type shell, after -- or by name): it runs here, with this environment.
    const adhoc = type === 'shell';
    if (flags.cwd !== undefined || adhoc) {
      const { submitterCwd } = await import('../cli/submitter.js');
      params.cwd = submitterCwd(flags.cwd);
    }
    if (adhoc) {
      const { captureEnv } = await import('../core/callerenv.js');
      params.callerEnv = captureEnv(process.env);
    }
    if (flags.notify) params.notify = true;
    if (flags['keep-output'] !== undefined) params.keepOutput = flags['keep-output'] as KeepOutput;
    if (flags.after?.length)
      params.after = flags.after
        .flatMap((a) => a.split(','))
        .map((s) => s.trim())
        .filter(Boolean);
    if (flags.at !== undefined && flags.in !== undefined) throw usage('give --at or --in, not both');
    if (flags.at !== undefined || flags.in !== undefined) params.notBefore = await notBefore(ctx, flags.at, flags.in);
    const result = await ctx.call('run', params);
    for (const w of result.warnings) ctx.warn(w);
    if (flags.wait || flags.follow || flags.result !== undefined) return runSync(ctx, result.task.id, { ...flags, follow: flags.follow && result.task.keepOutput !== 'never' });
    const { waitReason } = await import('../core/states.js');
    ctx.output(result, (r) => {
      if (flags.quiet) return r.task.id;
      const wait = waitReason(r.task, Date.now());
      return `${r.task.id}  queued ${r.task.type}${r.task.label ? ` [${r.task.label}]` : ''}${wait ? `, ${wait}` : ''}`;
    });
  },
});

/** --at / --in, read here (this machine's clock and zone); the daemon gets epoch ms. */
async function notBefore(ctx: Ctx, at: string | undefined, delay: string | undefined): Promise<number> {
  const { parseAt, parseIn, WhenError } = await import('../core/when.js');
  const now = Date.now();
  try {
    if (delay !== undefined) return now + parseIn(delay);
    const r = parseAt(at!, { now });
    if (r.note && !ctx.json) process.stderr.write(`blanket: note: ${r.note}\n`);
    return r.at;
  } catch (err) {
    if (err instanceof WhenError) throw new BlanketError('BAD_TIME', `${delay !== undefined ? `--in ${delay}` : `--at ${at}`}: ${err.message}`, { hint: err.hint });
    throw err;
  }
}

/** --wait / --follow: stay until the task ends, then exit with its code. */
async function runSync(ctx: Ctx, id: string, flags: { follow: boolean; quiet: boolean; result?: string | undefined }): Promise<void> {
  const client = await ctx.client();
  if (!flags.quiet && !ctx.json && !flags.follow) process.stderr.write(`blanket: ${id} queued; waiting…\n`);
  const { waitForTasks } = await import('../cli/wait.js');
  const { exitCodeOf } = await import('../cli/outcome.js');
  const waiting = waitForTasks(client, [id], { existed: true });
  waiting.catch(() => {}); // awaited below; a removal may end it while the output is followed
  if (flags.follow && !ctx.json) {
    const { followLog } = await import('../cli/follow.js');
    await Promise.all([
      waiting,
      followLog(client, id, { stream: 'stdout', lines: 1_000_000, write: (t) => process.stdout.write(t) }),
      followLog(client, id, { stream: 'stderr', lines: 1_000_000, write: (t) => process.stderr.write(t) }),
    ]);
  }
  const [task] = await waiting;
  if (flags.result !== undefined) {
    const { printResultFile } = await import('../cli/result.js');
    await printResultFile(task!, flags.result);
  }
  if (ctx.json) ctx.output({ task }, () => '');
  else if (!flags.quiet && !flags.follow) process.stderr.write(`blanket: ${id} ${task!.state}${task!.reason ? ` (${task!.reason})` : ''}\n`);
  process.exitCode = exitCodeOf(task!);
}

async function runBatch(ctx: Ctx, file: string, quiet: boolean): Promise<void> {
  const { runBatch: submitBatch } = await import('../cli/batch.js');
  let result;
  try {
    result = await submitBatch(() => ctx.client(), file);
  } catch (err) {
    // Half-way: the ids of what was queued still go to stdout; the error says which lines they are.
    const ids = (err as { details?: { ids?: string[] } }).details?.ids;
    if (!ctx.json && ids?.length) process.stdout.write(ids.join('\n') + '\n');
    throw err;
  }
  const { ids } = result;
  ctx.output(result, (r) => r.ids.join('\n'));
  if (!quiet && !ctx.json) process.stderr.write(`blanket: queued ${ids.length} task${ids.length === 1 ? '' : 's'}\n`);
}
