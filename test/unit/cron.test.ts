// core/cron: expressions, fire times in zones, catch-up decisions. Every clock is fixed.
import t from 'tap';
import { checkTimeZone, Cron, CronError, dueFires, MISSED_COUNT_CAP, ON_TIME_MS, TimeZoneError } from '../../src/core/cron.js';
import type { CatchUpPolicy } from '../../src/protocol/model.js';

const at = (iso: string) => Date.parse(iso);
const isos = (ms: number[]) => ms.map((x) => new Date(x).toISOString());

t.test('next fire times', async (t) => {
  const cases: Array<[expr: string, zone: string, from: string, next: string[], what: string]> = [
    ['*/2 * * * * *', 'UTC', '2024-01-01T00:00:00.500Z', ['2024-01-01T00:00:02.000Z', '2024-01-01T00:00:04.000Z', '2024-01-01T00:00:06.000Z'], 'seconds field'],
    ['*/2 * * * * *', 'UTC', '2024-01-01T00:00:02.000Z', ['2024-01-01T00:00:04.000Z', '2024-01-01T00:00:06.000Z', '2024-01-01T00:00:08.000Z'], 'strictly after `from`'],
    ['0 3 * * *', 'UTC', '2024-01-01T12:00:00Z', ['2024-01-02T03:00:00.000Z', '2024-01-03T03:00:00.000Z', '2024-01-04T03:00:00.000Z'], 'five fields'],
    [
      '0 9 * * mon-fri',
      'America/New_York',
      '2024-01-05T20:00:00Z',
      ['2024-01-08T14:00:00.000Z', '2024-01-09T14:00:00.000Z', '2024-01-10T14:00:00.000Z'],
      'weekdays in New York (UTC-5)',
    ],
    ['0 9 * * *', 'Europe/Berlin', '2024-06-01T00:00:00Z', ['2024-06-01T07:00:00.000Z', '2024-06-02T07:00:00.000Z', '2024-06-03T07:00:00.000Z'], 'summer time in Berlin (UTC+2)'],
    [
      '30 2 * * *',
      'Europe/Berlin',
      '2024-03-30T12:00:00Z',
      ['2024-03-31T01:30:00.000Z', '2024-04-01T00:30:00.000Z', '2024-04-02T00:30:00.000Z'],
      '02:30 does not exist on the spring-forward day: it runs at 03:30',
    ],
    [
      '30 2 * * *',
      'Europe/Berlin',
      '2024-10-26T12:00:00Z',
      ['2024-10-27T00:30:00.000Z', '2024-10-28T01:30:00.000Z', '2024-10-29T01:30:00.000Z'],
      '02:30 happens twice on the fall-back day: it runs once',
    ],
    ['@daily', 'UTC', '2024-01-01T00:00:00Z', ['2024-01-02T00:00:00.000Z', '2024-01-03T00:00:00.000Z', '2024-01-04T00:00:00.000Z'], 'an alias'],
    ['0 0 29 2 *', 'UTC', '2024-03-01T00:00:00Z', ['2028-02-29T00:00:00.000Z', '2032-02-29T00:00:00.000Z', '2036-02-29T00:00:00.000Z'], 'leap days only'],
  ];
  for (const [expr, zone, from, next, what] of cases) t.same(isos(Cron.parse(expr, zone).next(at(from), 3)), next, `${expr} (${zone}): ${what}`);
  const a = Cron.parse('H * * * *', 'UTC', 'backup').next(0, 2);
  t.same(Cron.parse('H * * * *', 'UTC', 'backup').next(0, 2), a, 'H fields are stable for the same seed');
});

t.test('bad expressions name the field at fault', async (t) => {
  const cases: Array<[expr: string, field: string | undefined, message: RegExp]> = [
    ['61 * * * *', 'minute', /minute field "61": got 61, expected a value in 0-59/],
    ['* 25 * * *', 'hour', /hour field "25"/],
    ['* * 32 * *', 'day of month', /day of month field "32"/],
    ['* * * 13 *', 'month', /month field "13"/],
    ['* * * * 8', 'day of week', /day of week field "8"/],
    ['* * * * 1#6', 'day of week', /day of week field "1#6"/],
    ['70 * * * * *', 'second', /second field "70"/],
    ['0 70 * * * *', 'minute', /minute field "70"/],
    ['abc * * * *', 'minute', /minute field "abc": invalid characters/],
    ['*/0 * * * *', 'minute', /minute field "\*\/0"/],
    ['5-2 * * * *', 'minute', /minute field "5-2"/],
    ['0 0 30 2 *', 'day of month', /day of month field: that day never occurs/],
    ['* * * * * * *', undefined, /expected 5 fields .* or 6 .*got 7/],
    ['* *', undefined, /got 2/],
    ['', undefined, /empty/],
    ['@often', undefined, /unknown cron alias "@often"/],
  ];
  for (const [expr, field, message] of cases) {
    const err = t.throws(() => Cron.parse(expr, 'UTC'), expr) as unknown as CronError;
    t.type(err, CronError, expr);
    t.equal(err.field, field, `${JSON.stringify(expr)} names ${field ?? 'no field'}`);
    t.match(err.message, message, expr);
  }
});

t.test('time zones', async (t) => {
  t.equal(checkTimeZone('utc'), 'UTC', 'canonical name');
  t.equal(checkTimeZone('europe/berlin'), 'Europe/Berlin');
  t.throws(() => checkTimeZone('Mars/Base'), TimeZoneError);
  const err = t.throws(() => Cron.parse('* * * * *', 'Mars/Olympus')) as unknown as TimeZoneError;
  t.match(err.message, /unknown time zone "Mars\/Olympus"/);
  t.equal(Cron.parse('* * * * *', 'asia/tokyo').zone, 'Asia/Tokyo');
});

t.test('catch-up decisions', async (t) => {
  const T0 = at('2024-01-01T00:00:00Z');
  const s = (n: number) => T0 + n * 1000;
  const every10s = Cron.parse('*/10 * * * * *', 'UTC');
  const everyMin = Cron.parse('0 * * * * *', 'UTC');
  type Row = [what: string, cron: Cron, cursor: number, now: number, policy: CatchUpPolicy, max: number, run: number[], skipped: number];
  const rows: Row[] = [
    ['nothing due yet', every10s, T0, s(5), 'latest', 10, [], 0],
    ['one fire, on time', every10s, T0, s(10), 'latest', 10, [s(10)], 0],
    ['one fire, a little late, none', every10s, T0, s(10.5), 'none', 10, [s(10)], 0],
    ['one fire, on time, all', every10s, T0, s(10), 'all', 10, [s(10)], 0],
    ['the cursor is not repeated', every10s, s(10), s(15), 'all', 10, [], 0],
    ['down 65 s, newest on time: none runs it', every10s, T0, s(65), 'none', 10, [s(60)], 5],
    ['down 65 s: latest runs one', every10s, T0, s(65), 'latest', 10, [s(60)], 5],
    ['down 65 s: all, at most 3 (the newest)', every10s, T0, s(65), 'all', 3, [s(40), s(50), s(60)], 3],
    ['down 65 s: all, under the bound', every10s, T0, s(65), 'all', 10, [s(10), s(20), s(30), s(40), s(50), s(60)], 0],
    ['down 3.5 min, newest 30 s late: none runs nothing', everyMin, T0, s(210), 'none', 10, [], 3],
    ['down 3.5 min: latest runs the newest once', everyMin, T0, s(210), 'latest', 10, [s(180)], 2],
    ['down 3.5 min: all, at most 2', everyMin, T0, s(210), 'all', 2, [s(120), s(180)], 1],
    ['exactly on the edge of on time', everyMin, T0, s(60) + ON_TIME_MS, 'none', 10, [s(60)], 0],
    ['just past it', everyMin, T0, s(60) + ON_TIME_MS + 1, 'none', 10, [], 1],
  ];
  for (const [what, cron, cursor, now, policy, max, run, skipped] of rows) {
    const d = dueFires(cron, cursor, now, policy, max);
    t.same(isos(d.run), isos(run), `${what}: runs`);
    t.equal(d.skipped, skipped, `${what}: skipped`);
    if (run.length || skipped) t.ok(d.cursor !== undefined && d.cursor <= now && d.cursor > cursor, `${what}: the cursor moves to the newest due fire`);
    else t.equal(d.cursor, undefined, `${what}: the cursor stays`);
  }

  const started = Date.now();
  const d = dueFires(Cron.parse('* * * * * *', 'UTC'), T0, T0 + 30 * 86_400_000, 'latest', 10);
  t.same(isos(d.run), ['2024-01-31T00:00:00.000Z'], 'a month of every-second fires: one run');
  t.ok(d.capped, 'the count is capped');
  t.equal(d.skipped, MISSED_COUNT_CAP - 1);
  t.ok(Date.now() - started < 2000, 'and it does not take long');
});
