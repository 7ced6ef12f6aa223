// config.toml [[schedule]] entries, spec comparison, and the schedule renderers (fixed clock).
import t from 'tap';
import { ConfigError, effectiveConfig } from '../../src/core/config.js';
import { sameSpec, specOf } from '../../src/core/schedules.js';
import { clock, renderScheduleList, renderScheduleShow } from '../../src/cli/render/schedules.js';
import { setColor } from '../../src/cli/style.js';
import type { ScheduleInfo, Task } from '../../src/protocol/model.js';

setColor(false);

const GOOD = `[worker]
slots = 1

[[schedule]]
name = "backup"
cron = "0 3 * * *"
tz = "europe/berlin"
command = ["restic", "backup", "/home/ada/work dir"]
overlap = "queue"
catch_up = "all"
catch_up_max = 3

[[schedule]]
name = "hello"
cron = "*/2 * * * * *"
type = "greet"
env = { NAME = "Ada", N = 3 }
label = "demo"
priority = 5
`;

t.test('[[schedule]] entries', async (t) => {
  const { config } = effectiveConfig(GOOD, {}, '/h/config.toml');
  t.equal(config.worker.slots, 1, 'other options are unaffected');
  t.same(config.schedules, [
    {
      line: 4,
      spec: {
        name: 'backup',
        cron: '0 3 * * *',
        tz: 'Europe/Berlin',
        task: { type: 'shell', env: { COMMAND: "restic backup '/home/ada/work dir'" } },
        overlap: 'queue',
        catchUp: 'all',
        catchUpMax: 3,
      },
    },
    {
      line: 13,
      spec: {
        name: 'hello',
        cron: '*/2 * * * * *',
        task: { type: 'greet', env: { NAME: 'Ada', N: '3' }, label: 'demo', priority: 5 },
        overlap: 'skip',
        catchUp: 'latest',
        catchUpMax: 10,
      },
    },
  ]);
  t.same(effectiveConfig('', {}).config.schedules, [], 'none by default');
});

t.test('bad [[schedule]] entries name file:line and the entry', async (t) => {
  const text = `[[schedule]]
name = "a"
cron = "61 * * * *"
command = "true"

[[schedule]]
name = "b"
cron = "* * * * *"
tz = "Mars/Base"
type = "x"
command = "y"
overlap = "sometimes"
catch_up_max = 0
colour = "red"

[[schedule]]
name = "a"
cron = "* * * * *"

[[schedule]]
cron = "* * * * *"
command = "true"
`;
  const err = t.throws(() => effectiveConfig(text, {}, '/h/config.toml')) as unknown as ConfigError;
  t.type(err, ConfigError);
  const lines = err.message.split('\n');
  const has = (re: RegExp) =>
    t.ok(
      lines.some((l) => re.test(l)),
      re.source,
    );
  has(/^\/h\/config\.toml:3: schedule "a": cron: minute field "61"/);
  has(/^\/h\/config\.toml:9: schedule "b": tz: unknown time zone "Mars\/Base"/);
  has(/^\/h\/config\.toml:11: schedule "b": command: give either type .* or command/);
  has(/^\/h\/config\.toml:12: schedule "b": overlap: must be one of "skip", "queue", "allow"/);
  has(/^\/h\/config\.toml:13: schedule "b": catch_up_max: must be a whole number from 1 to 1000/);
  has(/^\/h\/config\.toml:14: schedule "b": colour: unknown key/);
  has(/^\/h\/config\.toml:17: schedule "a": name: another \[\[schedule\]\] has this name/);
  has(/^\/h\/config\.toml:16: schedule "a": give either type/);
  has(/^\/h\/config\.toml:20: schedule #4: name: required/);
  const table = t.throws(() => effectiveConfig('[schedule]\nname = "x"\n', {}, 'c.toml')) as unknown as ConfigError;
  t.match(table.message, /must be \[\[schedule\]\] entries/);
});

t.test('sameSpec compares what a schedule does, not its state', async (t) => {
  const a = { name: 'x', cron: '* * * * *', task: { type: 'shell', env: { B: '1', A: '2' } }, overlap: 'skip', catchUp: 'latest', catchUpMax: 10 } as const;
  const b = { ...a, task: { type: 'shell', env: { A: '2', B: '1' } } };
  t.ok(sameSpec(a, b), 'env order does not matter');
  t.ok(sameSpec(a, { ...a, ...{ paused: true, cursor: 5 } } as never), 'state fields are not compared');
  t.notOk(sameSpec(a, { ...a, cron: '*/2 * * * *' }));
  t.notOk(sameSpec(a, { ...a, tz: 'UTC' }));
  t.notOk(sameSpec(a, { ...a, task: { type: 'shell', env: { A: '2' } } }));
  t.same(Object.keys(specOf({ ...a, ...{ paused: true } } as never)), ['name', 'cron', 'task', 'overlap', 'catchUp', 'catchUpMax']);
});

const NOW = Date.parse('2026-11-28T09:25:00Z');
const info = (patch: Partial<ScheduleInfo> = {}): ScheduleInfo => ({
  name: 'tick',
  cron: '*/2 * * * * *',
  task: { type: 'shell', env: { COMMAND: 'date' } },
  overlap: 'skip',
  catchUp: 'latest',
  catchUpMax: 10,
  source: 'cli',
  paused: false,
  createdAt: NOW - 60_000,
  updatedAt: NOW,
  cursor: NOW,
  queued: [],
  skipped: 0,
  zone: 'UTC',
  next: [NOW + 2000, NOW + 4000, NOW + 6000],
  lastRun: { taskId: '1sc6tm00', fireAt: NOW, state: 'SUCCESS' },
  ...patch,
});

t.test('renderers', async (t) => {
  t.equal(clock(NOW + 2000, 'UTC', NOW, true), '09:25:02');
  t.equal(clock(NOW + 2000, 'UTC', NOW), '09:25');
  t.equal(clock(NOW + 3600_000, 'Europe/Berlin', NOW), '11:25');
  t.equal(clock(NOW + 86_400_000, 'UTC', NOW), '11-29 09:25');
  t.equal(clock(Date.parse('2027-01-02T03:04:00Z'), 'UTC', NOW), '2027-01-02 03:04');
  const list = renderScheduleList(
    {
      schedules: [
        info(),
        info({ name: 'nightly', cron: '0 3 * * *', zone: 'Europe/Berlin', tz: 'Europe/Berlin', paused: true, next: [], task: { type: 'greet', env: { NAME: 'Ada' } } }),
      ],
      errors: [{ file: '/h/config.toml', line: 9, message: 'schedule "x": unknown task type "nope"' }],
    },
    NOW,
    200,
  );
  t.same(
    list.split('\n').map((l) => l.split(/ {2,}/)),
    [
      ['NAME', 'STATE', 'CRON', 'ZONE', 'NEXT', 'LAST RUN', 'OVERLAP', 'CATCH-UP', 'RUNS'],
      ['tick', 'active', '*/2 * * * * *', 'UTC', 'in 2s: 09:25:02, 09:25:04, 09:25:06', '1sc6tm00 SUCCESS now', 'skip', 'latest', 'date'],
      ['nightly', 'paused', '0 3 * * *', 'Europe/Berlin', '-', '1sc6tm00 SUCCESS now', 'skip', 'latest', 'greet NAME="Ada"'],
      ['warning: /h/config.toml:9: schedule "x": unknown task type "nope"'],
    ],
  );
  t.match(renderScheduleList({ schedules: [], errors: [] }, NOW), /No schedules/);
  const history = [
    { id: '1sc6tm00', state: 'SUCCESS', schedule: { name: 'tick', fireAt: NOW }, endedAt: NOW - 1000, type: 'shell', env: { COMMAND: 'date' }, command: 'date' } as unknown as Task,
  ];
  const show = renderScheduleShow(
    { schedule: info({ skipped: 2, lastSkip: { at: NOW, reason: 'fire at x skipped: the previous run y is RUNNING (overlap = skip)' } }), history },
    NOW,
  );
  t.match(show, /next +2026-11-28 09:25:02 UTC \(in 2s\)\n +2026-11-28 09:25:04 UTC \(in 4s\)\n/);
  t.match(show, /skipped fires +2 +latest: fire at x skipped/);
  t.match(show, /History \(latest 1\)\nID +FIRE TIME +STATE +ENDED +COMMAND\n1sc6tm00 +09:25:00 +SUCCESS +1\.0s ago +date/);
});

t.test('completion offers schedule names from schedule.ls', async (t) => {
  const { ask } = await import('../../src/cli/complete/live.js');
  const client = {
    call: async (method: string) => (method === 'schedule.ls' ? { schedules: [info(), info({ name: 'nightly', cron: '0 3 * * *', paused: true })], errors: [] } : undefined),
  } as never;
  t.same(await ask(client, 'schedules'), [
    { value: 'tick', description: 'active */2 * * * * *' },
    { value: 'nightly', description: 'paused 0 3 * * *' },
  ]);
});
