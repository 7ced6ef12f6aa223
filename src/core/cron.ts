// Cron expressions: parsed and checked with cron-parser 5 (errors name the bad
// field), the next fire times, and which fires are due now under a catch-up
// policy. Pure: the clock is always a parameter. cron-parser (and luxon with it)
// is loaded on first use, so the CLI paths that import this module stay lean.
import { createRequire } from 'node:module';
import type { CronExpression, CronExpressionOptions } from 'cron-parser';
import type { CatchUpPolicy } from '../protocol/model.js';

type Parser = { parse(expression: string, options?: CronExpressionOptions): CronExpression };
let parser: Parser | undefined;
function cronParser(): Parser {
  parser ??= (createRequire(import.meta.url)('cron-parser') as { CronExpressionParser: Parser }).CronExpressionParser;
  return parser;
}

/** The six fields cron-parser reads, in order; five-field expressions have no seconds. */
export const CRON_FIELDS = ['second', 'minute', 'hour', 'day of month', 'month', 'day of week'] as const;
export type CronField = (typeof CRON_FIELDS)[number];

const ALIASES = ['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@hourly', '@minutely', '@secondly', '@weekdays', '@weekends'];

/** A fire that is noticed at most this late still counts as on time; older ones were missed. */
export const ON_TIME_MS = 10_000;
/** Counting missed fires stops here: a seconds-level schedule over a week of downtime must not stall the daemon. */
export const MISSED_COUNT_CAP = 1000;

export class CronError extends Error {
  constructor(
    message: string,
    /** The field at fault, when one is. */
    readonly field?: CronField,
  ) {
    super(message);
    this.name = 'CronError';
  }
}

export class TimeZoneError extends Error {
  constructor(readonly zone: string) {
    super(`unknown time zone "${zone}": use an IANA name such as UTC, Europe/Berlin or America/New_York`);
    this.name = 'TimeZoneError';
  }
}

/** The zone's canonical IANA name, or a TimeZoneError. */
export function checkTimeZone(zone: string): string {
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone: zone }).resolvedOptions().timeZone;
  } catch {
    throw new TimeZoneError(zone);
  }
}

/** The zone this process runs in (TZ, else the system's). */
export function localTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone;
}

/** A parsed expression in a zone. Methods take the time they count from. */
export class Cron {
  private constructor(
    readonly expression: string,
    readonly zone: string,
    private readonly seed: string,
  ) {}

  /**
   * Parse and check. `zone` defaults to UTC; `seed` makes `H` fields stable
   * (blanket uses the schedule's name). Throws CronError or TimeZoneError.
   */
  static parse(expression: string, zone = 'UTC', seed?: string): Cron {
    const tz = checkTimeZone(zone);
    const expr = expression.trim().replace(/\s+/g, ' ');
    const cron = new Cron(expr, tz, seed ?? expr);
    cron.check();
    return cron;
  }

  private iter(from: number): CronExpression {
    return cronParser().parse(this.expression, { tz: this.zone, currentDate: from, hashSeed: this.seed });
  }

  private check(): void {
    const expr = this.expression;
    if (expr === '') throw new CronError('the cron expression is empty');
    if (expr.startsWith('@')) {
      if (!ALIASES.includes(expr.toLowerCase())) throw new CronError(`unknown cron alias "${expr}" (known: ${ALIASES.join(', ')})`);
    } else {
      const parts = expr.split(' ');
      if (parts.length !== 5 && parts.length !== 6) {
        throw new CronError(`expected 5 fields (minute hour day-of-month month day-of-week) or 6 (seconds first), got ${parts.length}: "${expr}"`);
      }
      const six = parts.length === 6 ? parts : ['0', ...parts];
      const fields = parts.length === 6 ? CRON_FIELDS : CRON_FIELDS.slice(1);
      // Each field alone (the others "*"), so the message can name the one at fault.
      for (const [i, field] of fields.entries()) {
        const at = parts.length === 6 ? i : i + 1;
        const probe = six.map((p, j) => (j === at ? p : '*')).join(' ');
        try {
          cronParser().parse(probe, { tz: 'UTC', currentDate: 0, hashSeed: this.seed });
        } catch (err) {
          throw new CronError(`${field} field "${six[at]}": ${tidy((err as Error).message)}`, field);
        }
      }
    }
    let first: number;
    try {
      first = this.iter(0).next().getTime();
    } catch (err) {
      const msg = tidy((err as Error).message);
      if (/day of month/i.test(msg)) throw new CronError(`day of month field: that day never occurs in the months given (${msg})`, 'day of month');
      throw new CronError(`"${expr}": ${msg}`);
    }
    if (!Number.isFinite(first)) throw new CronError(`"${expr}" never fires`);
  }

  /** The next `n` fire times strictly after `after` (epoch ms). */
  next(after: number, n = 1): number[] {
    const it = this.iter(after);
    const out: number[] = [];
    try {
      for (let i = 0; i < n; i++) out.push(it.next().getTime());
    } catch {
      // no more fire times (cron-parser's loop limit): fewer than asked
    }
    return out;
  }

  /**
   * Fire times in (after, upTo], newest first: at most `max` of them, and how
   * many there are in all (counted up to MISSED_COUNT_CAP).
   */
  between(after: number, upTo: number, max: number): { newest: number[]; total: number } {
    const it = this.iter(upTo + 1);
    const newest: number[] = [];
    let total = 0;
    try {
      while (total < MISSED_COUNT_CAP) {
        const t = it.prev().getTime();
        if (t <= after) break;
        if (newest.length < max) newest.push(t);
        total++;
      }
    } catch {
      // before the first fire time there is
    }
    return { newest, total };
  }
}

function tidy(msg: string): string {
  return msg
    .replace(/^(Constraint|Validation) error,\s*/i, '')
    .replace(/got value (\S+) expected range/, 'got $1, expected a value in')
    .replace(/^Invalid characters, got value: .*/, 'invalid characters')
    .replace(/\.$/, '');
}

export interface FireDecision {
  /** Fire times to submit now, oldest first. */
  run: number[];
  /** Due fires not run (missed and dropped by the policy), counted up to MISSED_COUNT_CAP. */
  skipped: number;
  /** The count stopped at the cap: there were more. */
  capped: boolean;
  /** The newest due fire: every fire up to it is decided. Undefined when nothing was due. */
  cursor: number | undefined;
  /** Whether the newest due fire is on time (noticed within ON_TIME_MS). */
  onTime: boolean;
}

/**
 * Which fires to run now. Due fires are those in (cursor, now]. The newest one is
 * on time when noticed within `onTimeMs`; any other was missed (the daemon was
 * down, the machine asleep, the clock jumped). The catch-up policy decides:
 *   none   — run the newest only when it is on time;
 *   latest — run the newest, once, for everything missed;
 *   all    — run each, the newest `max` of them.
 */
export function dueFires(cron: Cron, cursor: number, now: number, policy: CatchUpPolicy, max: number, onTimeMs = ON_TIME_MS): FireDecision {
  const { newest, total } = cron.between(cursor, now, Math.max(1, max));
  const latest = newest[0];
  if (latest === undefined) return { run: [], skipped: 0, capped: false, cursor: undefined, onTime: false };
  const onTime = now - latest <= onTimeMs;
  let run: number[];
  switch (policy) {
    case 'none':
      run = onTime ? [latest] : [];
      break;
    case 'latest':
      run = [latest];
      break;
    case 'all':
      run = newest.slice(0, Math.max(1, max)).reverse();
      break;
  }
  return { run, skipped: total - run.length, capped: total >= MISSED_COUNT_CAP, cursor: latest, onTime };
}
