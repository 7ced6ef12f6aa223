// core/when: --at and --in with a fixed clock and explicit zones.
import t from 'tap';
import { parseAt, parseIn, WhenError, zonedToEpoch } from '../../src/core/when.js';

// A Saturday.
const NOW = Date.parse('2026-11-28T09:25:00Z');

t.test('--at', async (t) => {
  const cases: Array<[text: string, zone: string, at: string, note?: RegExp]> = [
    ['10:30', 'UTC', '2026-11-28T10:30:00.000Z'],
    ['10:30:15', 'UTC', '2026-11-28T10:30:15.000Z'],
    ['9:00', 'UTC', '2026-11-29T09:00:00.000Z', /has passed today: the task starts tomorrow/],
    ['10:20', 'Europe/Berlin', '2026-11-29T09:20:00.000Z', /tomorrow/],
    ['10:30', 'Europe/Berlin', '2026-11-28T09:30:00.000Z'],
    ['11:00', 'Europe/Berlin', '2026-11-28T10:00:00.000Z'],
    ['9pm', 'UTC', '2026-11-28T21:00:00.000Z'],
    ['9:30 pm', 'UTC', '2026-11-28T21:30:00.000Z'],
    ['12am', 'UTC', '2026-11-29T00:00:00.000Z', /tomorrow/],
    ['today 17:00', 'UTC', '2026-11-28T17:00:00.000Z'],
    ['tomorrow 9:00', 'Europe/Berlin', '2026-11-29T08:00:00.000Z'],
    ['Tomorrow  9:00', 'America/New_York', '2026-11-29T14:00:00.000Z'],
    ['mon 9:00', 'UTC', '2026-11-30T09:00:00.000Z'],
    ['friday 18:00', 'UTC', '2026-12-04T18:00:00.000Z'],
    ['sat 10:00', 'UTC', '2026-11-28T10:00:00.000Z'],
    ['saturday 08:00', 'UTC', '2026-12-05T08:00:00.000Z'],
    ['2026-12-24T18:00', 'Europe/Berlin', '2026-12-24T17:00:00.000Z'],
    ['2026-12-24 18:00', 'America/New_York', '2026-12-24T23:00:00.000Z'],
    ['2026-12-24', 'UTC', '2026-12-24T00:00:00.000Z'],
    ['2026-12-24T18:00Z', 'Europe/Berlin', '2026-12-24T18:00:00.000Z'],
    ['2026-12-24T18:00:30+01:00', 'UTC', '2026-12-24T17:00:30.000Z'],
    ['2026-12-24T9:00-0500', 'UTC', '2026-12-24T14:00:00.000Z'],
    ['2027-03-28 02:30', 'Europe/Berlin', '2027-03-28T01:30:00.000Z'],
    ['2027-10-31 02:30', 'Europe/Berlin', '2027-10-31T00:30:00.000Z'],
    ['2027-07-01 12:00', 'Europe/Berlin', '2027-07-01T10:00:00.000Z'],
    ['now', 'UTC', '2026-11-28T09:25:00.000Z'],
    ['+10m', 'UTC', '2026-11-28T09:35:00.000Z'],
    ['in 2h30m', 'UTC', '2026-11-28T11:55:00.000Z'],
  ];
  for (const [text, zone, iso, note] of cases) {
    const r = parseAt(text, { now: NOW, zone });
    t.equal(new Date(r.at).toISOString(), iso, `${text} in ${zone}`);
    if (note) t.match(r.note, note, `${text}: says how it was read`);
    else t.equal(r.note, undefined, `${text}: no note`);
  }
});

t.test('--at refuses what it cannot read, and the past', async (t) => {
  const cases: Array<[text: string, message: RegExp]> = [
    ['2020-01-01T00:00Z', /is in the past/],
    ['2026-11-28 09:00', /is in the past/],
    ['today 08:00', /is in the past/],
    ['tomorrow', /needs a time of day/],
    ['friday', /needs a time of day/],
    ['someday 9:00', /"someday" is not a day/],
    ['25:00', /not a time of day/],
    ['13pm', /hour must be 1 to 12/],
    ['2026-02-30', /no such date/],
    ['2026-13-01 10:00', /no such date/],
    ['9', /cannot read/],
    ['soon', /cannot read/],
    ['', /no time given/],
    ['+5 parsecs', /cannot read "5 parsecs" as a duration/],
  ];
  for (const [text, message] of cases) {
    const err = t.throws(() => parseAt(text, { now: NOW, zone: 'UTC' }), text) as unknown as WhenError;
    t.type(err, WhenError, text);
    t.match(err.message, message, text);
    t.ok(err.hint, `${text}: has a hint`);
  }
  t.throws(() => parseAt('10:30', { now: NOW, zone: 'Nowhere/Land' }), WhenError, 'an unknown zone');
});

t.test('--in', async (t) => {
  for (const [text, ms] of [
    ['3s', 3000],
    ['10m', 600_000],
    ['2h30m', 9_000_000],
    ['90', 90_000],
    ['1d', 86_400_000],
    ['0s', 0],
  ] as const)
    t.equal(parseIn(text), ms, text);
  for (const bad of ['5x', '-3s', 'soon', '']) t.throws(() => parseIn(bad), WhenError, bad);
});

t.test('wall clock to instant round-trips across a year, in zones with DST', async (t) => {
  for (const zone of ['Europe/Berlin', 'America/New_York', 'Australia/Sydney', 'Asia/Kolkata']) {
    let bad = 0;
    for (let d = 0; d < 365; d += 3) {
      const day = new Date(Date.UTC(2027, 0, 1 + d));
      const w = { y: day.getUTCFullYear(), mo: day.getUTCMonth() + 1, d: day.getUTCDate(), h: 12, mi: 34, s: 56 };
      const ms = zonedToEpoch(w, zone);
      const back = new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', hour: '2-digit', minute: '2-digit', second: '2-digit' }).format(ms);
      if (back !== '12:34:56') bad++;
    }
    t.equal(bad, 0, zone);
  }
});
