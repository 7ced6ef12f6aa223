// When a delayed task may start: `run --at WHEN` and `run --in DURATION`.
// Pure: `now` and the time zone are parameters. Wall-clock times are read in
// the zone (the caller's, by default), with DST handled by Intl.
import { parseDuration } from './duration.js';

export class WhenError extends Error {
  constructor(
    message: string,
    readonly hint = 'examples: --at 10:30, --at "tomorrow 9:00", --at "fri 18:00", --at 2026-12-24T18:00, --at 2026-12-24T18:00Z, --in 10m, --in 2h30m',
  ) {
    super(message);
    this.name = 'WhenError';
  }
}

export interface WhenOptions {
  now: number;
  /** IANA zone for wall-clock times; default the process's. */
  zone?: string;
}

export interface At {
  /** Epoch ms. */
  at: number;
  /** Said to the user when the text was read in a way they may not expect (e.g. "10:30" already passed today). */
  note?: string;
}

interface Wall {
  y: number;
  mo: number;
  d: number;
  h: number;
  mi: number;
  s: number;
}

const DAY_MS = 86_400_000;
const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

/** `--in`: a duration such as "90s", "10m", "2h30m" (or plain seconds), in ms. */
export function parseIn(text: string): number {
  const ms = parseDuration(text);
  if (ms === undefined) throw new WhenError(`cannot read "${text}" as a duration`, 'examples: --in 30s, --in 10m, --in 2h30m, --in 1d');
  return ms;
}

/**
 * `--at`: an absolute or wall-clock time. A time in the past is refused, except a
 * bare time of day ("10:30"), which means the next one (tomorrow when it has passed).
 */
export function parseAt(text: string, opts: WhenOptions): At {
  const zone = opts.zone ?? Intl.DateTimeFormat().resolvedOptions().timeZone;
  const { now } = opts;
  const t = text.trim().toLowerCase().replace(/\s+/g, ' ');
  if (t === '') throw new WhenError('no time given');
  if (t === 'now') return { at: now };
  const rel = /^(?:\+|in )\s*(.+)$/.exec(t);
  if (rel) return { at: now + parseIn(rel[1]!) };

  const zoned = /^(\d{4}-\d{2}-\d{2})[t ](\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)\s*(z|[+-]\d{2}:?\d{2})$/.exec(t);
  if (zoned) {
    const off = zoned[3] === 'z' ? 'Z' : zoned[3]!.replace(/^([+-]\d{2})(\d{2})$/, '$1:$2');
    const at = Date.parse(`${zoned[1]}T${zoned[2]!.replace(/^(\d):/, '0$1:')}${off}`);
    if (Number.isNaN(at)) throw new WhenError(`"${text}" is not a valid date and time`);
    return future(at, now, text);
  }

  const date = /^(\d{4})-(\d{2})-(\d{2})(?:[t ](\d{1,2}):(\d{2})(?::(\d{2}))?)?$/.exec(t);
  if (date) {
    const [y, mo, d, h = 0, mi = 0, s = 0] = date.slice(1).map((x) => (x === undefined ? undefined : Number(x))) as number[];
    const wall = { y: y!, mo: mo!, d: d!, h, mi, s };
    checkWall(wall, text);
    return future(zonedToEpoch(wall, zone), now, text);
  }

  const dayTime = /^(?:(today|tomorrow|[a-z]+) )?(\d{1,2})(?::(\d{2}))?(?::(\d{2}))? ?(am|pm)?$/.exec(t);
  if (dayTime && (dayTime[3] !== undefined || dayTime[5] !== undefined)) {
    const [, day, hh, mm = '0', ss = '0', ampm] = dayTime;
    let h = Number(hh);
    if (ampm) {
      if (h < 1 || h > 12) throw new WhenError(`"${text}": the hour must be 1 to 12 with ${ampm}`);
      h = (h % 12) + (ampm === 'pm' ? 12 : 0);
    }
    const time = { h, mi: Number(mm), s: Number(ss) };
    if (time.h > 23 || time.mi > 59 || time.s > 59) throw new WhenError(`"${text}" is not a time of day`);
    const today = epochToWall(now, zone);
    const on = (plusDays: number) => {
      const d = new Date(Date.UTC(today.y, today.mo - 1, today.d + plusDays));
      return zonedToEpoch({ y: d.getUTCFullYear(), mo: d.getUTCMonth() + 1, d: d.getUTCDate(), ...time }, zone);
    };
    if (day === undefined) {
      const at = on(0);
      if (at >= now) return { at };
      return { at: on(1), note: `${text.trim()} has passed today: the task starts tomorrow at ${text.trim()}` };
    }
    if (day === 'today') return future(on(0), now, text);
    if (day === 'tomorrow') return { at: on(1) };
    const wd = weekday(day);
    if (wd === undefined) throw new WhenError(`"${day}" is not a day: use today, tomorrow or a weekday (mon … sun)`);
    const ahead = (wd - WEEKDAYS.indexOf(today.weekday) + 7) % 7;
    const at = on(ahead);
    return at >= now ? { at } : { at: on(ahead + 7) };
  }
  if (t === 'today' || t === 'tomorrow' || weekday(t) !== undefined) {
    throw new WhenError(`"${text}" needs a time of day`, `e.g. --at "${t} 9:00"`);
  }
  throw new WhenError(`cannot read "${text}" as a time`);
}

function weekday(word: string): number | undefined {
  const i = WEEKDAYS.indexOf(word);
  if (i >= 0) return i;
  const j = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'].indexOf(word);
  return j >= 0 ? j : undefined;
}

function future(at: number, now: number, text: string): At {
  if (at < now) {
    throw new WhenError(`${text.trim()} is in the past (${new Date(at).toISOString()})`, 'a start time must be in the future; leave out --at to run now');
  }
  return { at };
}

function checkWall(w: Wall, text: string): void {
  const d = new Date(Date.UTC(w.y, w.mo - 1, w.d));
  if (d.getUTCFullYear() !== w.y || d.getUTCMonth() + 1 !== w.mo || d.getUTCDate() !== w.d) throw new WhenError(`"${text}": there is no such date`);
  if (w.h > 23 || w.mi > 59 || w.s > 59) throw new WhenError(`"${text}" is not a time of day`);
}

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (!f) {
    try {
      f = new Intl.DateTimeFormat('en-US', {
        timeZone: zone,
        hourCycle: 'h23',
        year: 'numeric',
        month: 'numeric',
        day: 'numeric',
        hour: 'numeric',
        minute: 'numeric',
        second: 'numeric',
        weekday: 'short',
      });
    } catch {
      throw new WhenError(`unknown time zone "${zone}"`, 'use an IANA name such as UTC or Europe/Berlin');
    }
    formatters.set(zone, f);
  }
  return f;
}

/** The wall-clock fields of an instant in a zone. */
export function epochToWall(ms: number, zone: string): Wall & { weekday: string } {
  const parts: Record<string, string> = {};
  for (const p of formatter(zone).formatToParts(new Date(ms))) parts[p.type] = p.value;
  return {
    y: Number(parts.year),
    mo: Number(parts.month),
    d: Number(parts.day),
    h: Number(parts.hour) % 24,
    mi: Number(parts.minute),
    s: Number(parts.second),
    weekday: parts.weekday!.toLowerCase().slice(0, 3),
  };
}

/** The zone's offset from UTC at an instant, ms. */
function offset(ms: number, zone: string): number {
  const w = epochToWall(ms, zone);
  return Date.UTC(w.y, w.mo - 1, w.d, w.h, w.mi, w.s) - Math.floor(ms / 1000) * 1000;
}

/**
 * The instant a wall-clock time in a zone names. An ambiguous time (the hour a
 * DST change repeats) is the first; a time that does not exist (the hour it skips)
 * is read with the offset before the change, so it lands just after the gap.
 */
export function zonedToEpoch(w: Wall, zone: string): number {
  const wall = Date.UTC(w.y, w.mo - 1, w.d, w.h, w.mi, w.s);
  const candidates = [...new Set([wall - offset(wall - DAY_MS, zone), wall - offset(wall, zone), wall - offset(wall + DAY_MS, zone)])].sort((a, b) => a - b);
  for (const c of candidates) {
    const x = epochToWall(c, zone);
    if (x.y === w.y && x.mo === w.mo && x.d === w.d && x.h === w.h && x.mi === w.mi && x.s === w.s) return c;
  }
  return wall - offset(wall - DAY_MS, zone);
}
