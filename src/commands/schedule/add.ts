import { parseEnvFlags } from '../../cli/env.js';
import { usage } from '../../cli/errors.js';
import { renderScheduleLine } from '../../cli/render/schedules.js';
import { command } from '../../cli/spec.js';
import type { ScheduleAddParams } from '../../protocol/methods.js';
import { CATCH_UP_POLICIES, OVERLAP_POLICIES, type CatchUpPolicy, type OverlapPolicy } from '../../protocol/model.js';

export default command({
  summary: 'Add a cron schedule that submits a task of a type, or an ad-hoc command after --.',
  description: `The expression has 5 fields (minute hour day-of-month month day-of-week) or 6 with seconds first, or is an alias such as @daily; it is read in --tz (default: the daemon's time zone). Everything is checked before the schedule is stored: the expression (the error names the bad field), the zone, the type and its required environment.

--overlap says what a fire does while the previous run still waits or runs: skip it (default), queue it until the run ends, or allow runs side by side. --catch-up says what happens to fires missed while the daemon was down: none, latest (default: one run for all of them), or all (each, at most --catch-up-max). Every task it makes records the schedule's name and its fire time. See docs/schedules.md.`,
  examples: [
    '<%= config.bin %> schedule add tick --cron "*/2 * * * * *" -- date',
    '<%= config.bin %> schedule add backup --cron "0 3 * * *" --tz Europe/Berlin -- restic backup ~/work',
    '<%= config.bin %> schedule add standup --cron "0 9 * * mon-fri" greet -e NAME=team',
    '<%= config.bin %> schedule add sync --cron "*/15 * * * *" --overlap queue --catch-up all --catch-up-max 4 -- ./sync.sh',
  ],
  variadic: true,
  args: [
    { name: 'name', description: 'Schedule name (letters, digits, _ . -).', required: true },
    { name: 'type', description: 'Task type each fire submits (or a command after --).' },
  ],
  flags: {
    cron: { kind: 'string', char: 'c', description: 'Cron expression: [second] minute hour day-of-month month day-of-week, or @daily etc.', required: true, helpValue: 'EXPR' },
    tz: { kind: 'string', description: "IANA time zone of the expression, e.g. Europe/Berlin (default: the daemon's).", helpValue: 'ZONE' },
    env: { kind: 'string', char: 'e', description: 'Environment variable NAME=VALUE for each task (repeatable).', multiple: true, helpValue: 'NAME=VALUE' },
    label: { kind: 'string', char: 'l', description: 'Label of the tasks it makes.' },
    priority: { kind: 'integer', char: 'p', description: "Priority of the tasks it makes (default: the type's).", min: -1000000, max: 1000000 },
    retries: { kind: 'integer', description: "Retries of each task (default: the type's).", min: 0, max: 1000 },
    timeout: { kind: 'integer', description: "Seconds before a task ends TIMEDOUT (default: the type's).", min: 0 },
    tag: { kind: 'string', description: 'Extra tag a worker must have (repeatable).', multiple: true },
    cwd: {
      kind: 'string',
      description:
        "Working directory of the tasks, relative to this one (default: this one for a command after --; the type's cwd, else each task's result directory, for a TYPE).",
      helpValue: 'DIR',
    },
    overlap: { kind: 'string', description: 'While the previous run waits or runs: skip the fire, queue it, or allow it.', options: OVERLAP_POLICIES, default: 'skip' },
    'catch-up': {
      kind: 'string',
      description: 'Fires missed while the daemon was down: none, latest (one run), or all (up to --catch-up-max).',
      options: CATCH_UP_POLICIES,
      default: 'latest',
    },
    'catch-up-max': { kind: 'integer', description: 'With --catch-up all: at most this many runs.', min: 1, max: 1000, default: 10 },
    paused: { kind: 'boolean', description: 'Add it paused (resume it with blanket schedule resume).' },
  },
  async run({ args, argv, dashdash: cmd, flags, call, output, warn }) {
    const env = parseEnvFlags(flags.env);
    let type = args.type;
    if (cmd !== undefined) {
      if (cmd.length === 0) throw usage('nothing after --', 'write the command after --, e.g. blanket schedule add tick --cron "* * * * *" -- date');
      if (argv.length - cmd.length > 1) throw usage(`give either a TYPE or a command after --, not both (got "${argv[1]}")`);
      const { shellJoin } = await import('../../core/template.js');
      env.COMMAND = cmd.length === 1 ? cmd[0]! : shellJoin(cmd);
      type = 'shell';
    } else if (type === undefined) {
      throw usage('no task type given', 'blanket schedule add NAME --cron EXPR TYPE [-e K=V]…  or  … -- COMMAND…');
    } else if (argv.length > 2) {
      throw usage(`unexpected argument "${argv[2]}"`, 'put an ad-hoc command after --');
    }
    const params: ScheduleAddParams = {
      name: args.name!,
      cron: flags.cron,
      type,
      overlap: flags.overlap as OverlapPolicy,
      catchUp: flags['catch-up'] as CatchUpPolicy,
      catchUpMax: flags['catch-up-max'],
    };
    if (Object.keys(env).length) params.env = env;
    if (flags.tz !== undefined) params.tz = flags.tz;
    if (flags.label !== undefined) params.label = flags.label;
    if (flags.priority !== undefined) params.priority = flags.priority;
    if (flags.retries !== undefined) params.retries = flags.retries;
    if (flags.timeout !== undefined) params.timeout = flags.timeout;
    if (flags.tag?.length) params.tags = flags.tag;
    // An ad-hoc command runs where it was scheduled (its environment is not kept: see docs/schedules.md).
    if (flags.cwd !== undefined || type === 'shell') {
      const { submitterCwd } = await import('../../cli/submitter.js');
      params.cwd = submitterCwd(flags.cwd);
    }
    if (flags.paused) params.paused = true;
    const result = await call('schedule.add', params);
    for (const w of result.warnings) warn(w);
    output(result, (r) => renderScheduleLine('added', r.schedule, Date.now()));
  },
});
