// Schedules as data: defaults, the [[schedule]] entries of config.toml (checked
// with file:line), and whether two specs differ. Pure.
import { ENV_NAME } from '../protocol/methods.js';
import { CATCH_UP_POLICIES, OVERLAP_POLICIES, type ScheduledTask, type ScheduleSpec, type TypeLoadError } from '../protocol/model.js';
import { checkTimeZone, Cron, CronError, TimeZoneError } from './cron.js';
import { shellJoin } from './template.js';

export const SCHEDULE_DEFAULTS = { overlap: 'skip', catchUp: 'latest', catchUpMax: 10 } as const satisfies Partial<ScheduleSpec>;
export const SCHEDULE_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;
export const MAX_CATCH_UP = 1000;

/** A [[schedule]] entry of config.toml, with the line its header is on. */
export interface ScheduleEntry {
  spec: ScheduleSpec;
  line?: number;
}

const KEYS = ['name', 'cron', 'tz', 'type', 'command', 'env', 'label', 'priority', 'tags', 'retries', 'timeout', 'cwd', 'overlap', 'catch_up', 'catch_up_max'];

/** For each [[schedule]] entry in order: its header line, and the line of each key in it. */
export function scheduleLines(text: string): Array<Map<string, number>> {
  const out: Array<Map<string, number>> = [];
  let current: Map<string, number> | undefined;
  text.split('\n').forEach((raw, i) => {
    const l = raw.trim();
    if (/^\[\[\s*schedule\s*\]\]/.test(l)) {
      current = new Map([['', i + 1]]);
      out.push(current);
    } else if (/^\[/.test(l)) current = undefined;
    else if (current) {
      const kv = /^([A-Za-z0-9_-]+)\s*=/.exec(l);
      if (kv && !current.has(kv[1]!)) current.set(kv[1]!, i + 1);
    }
  });
  return out;
}

/** The [[schedule]] entries of a parsed config.toml; problems are pushed to `errors` with file:line. */
export function parseScheduleEntries(value: unknown, text: string, file: string, errors: TypeLoadError[]): ScheduleEntry[] {
  if (value === undefined) return [];
  const lines = scheduleLines(text);
  if (!Array.isArray(value)) {
    errors.push({ file, message: 'schedule: must be [[schedule]] entries (an array of tables), not [schedule]' });
    return [];
  }
  const out: ScheduleEntry[] = [];
  const seen = new Set<string>();
  value.forEach((raw, i) => {
    const at = lines[i];
    const e = raw as Record<string, unknown>;
    const bad = (key: string, message: string) => {
      const line = at?.get(key) ?? at?.get('');
      errors.push({ file, ...(line ? { line } : {}), message: `schedule ${typeof e?.name === 'string' ? `"${e.name}"` : `#${i + 1}`}: ${key ? `${key}: ` : ''}${message}` });
    };
    if (typeof e !== 'object' || e === null || Array.isArray(e)) return bad('', 'must be a table');
    const before = errors.length;
    for (const k of Object.keys(e)) if (!KEYS.includes(k)) bad(k, `unknown key (known: ${KEYS.join(', ')})`);
    const name = e.name;
    if (typeof name !== 'string' || !SCHEDULE_NAME.test(name) || name.length > 128) bad('name', 'required: letters, digits and _ . - (not starting with . or -)');
    else if (seen.has(name)) bad('name', 'another [[schedule]] has this name');
    else seen.add(name);
    let tz: string | undefined;
    if (e.tz !== undefined) {
      if (typeof e.tz !== 'string') bad('tz', 'must be a time zone name such as "Europe/Berlin"');
      else {
        try {
          tz = checkTimeZone(e.tz);
        } catch (err) {
          bad('tz', (err as TimeZoneError).message);
        }
      }
    }
    if (typeof e.cron !== 'string') bad('cron', 'required: a cron expression such as "0 3 * * *"');
    else {
      try {
        Cron.parse(e.cron, tz ?? 'UTC', typeof name === 'string' ? name : undefined);
      } catch (err) {
        if (err instanceof CronError) bad('cron', err.message);
        else if (!(err instanceof TimeZoneError)) throw err;
      }
    }
    const task: ScheduledTask = { type: '' };
    const env: Record<string, string> = {};
    if (e.env !== undefined) {
      if (typeof e.env !== 'object' || e.env === null || Array.isArray(e.env)) bad('env', 'must be a table of NAME = "value"');
      else
        for (const [k, v] of Object.entries(e.env)) {
          if (!ENV_NAME.test(k)) bad('env', `"${k}" is not a valid environment variable name`);
          else if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') env[k] = String(v);
          else bad('env', `${k}: must be a string`);
        }
    }
    if ((e.type === undefined) === (e.command === undefined)) bad(e.type === undefined ? '' : 'command', 'give either type (a task type) or command (an ad-hoc command), not both');
    else if (e.type !== undefined) {
      if (typeof e.type !== 'string' || !SCHEDULE_NAME.test(e.type)) bad('type', 'must be a task type name');
      else task.type = e.type;
    } else if (typeof e.command === 'string' && e.command.trim() !== '') {
      task.type = 'shell';
      env.COMMAND = e.command;
    } else if (Array.isArray(e.command) && e.command.length > 0 && e.command.every((w) => typeof w === 'string')) {
      task.type = 'shell';
      env.COMMAND = e.command.length === 1 ? e.command[0]! : shellJoin(e.command as string[]);
    } else bad('command', 'must be a command line, or a list of words');
    if (Object.keys(env).length) task.env = env;
    if (e.label !== undefined) {
      if (typeof e.label !== 'string' || e.label.length > 200) bad('label', 'must be a string of at most 200 characters');
      else task.label = e.label;
    }
    const int = (key: 'priority' | 'retries' | 'timeout', min: number, max: number) => {
      const v = e[key];
      if (v === undefined) return;
      if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) bad(key, `must be a whole number from ${min} to ${max}`);
      else task[key] = v;
    };
    int('priority', -1_000_000, 1_000_000);
    int('retries', 0, 1000);
    int('timeout', 0, 10 * 365 * 86400);
    if (e.tags !== undefined) {
      if (!Array.isArray(e.tags) || !e.tags.every((t) => typeof t === 'string' && /^[A-Za-z0-9_.:+-]+$/.test(t))) bad('tags', 'must be a list of tags');
      else task.tags = e.tags as string[];
    }
    if (e.cwd !== undefined) {
      if (typeof e.cwd !== 'string') bad('cwd', 'must be a directory path');
      else task.cwd = e.cwd;
    }
    const oneOf = <T extends string>(key: string, allowed: readonly T[], dflt: T): T => {
      const v = e[key];
      if (v === undefined) return dflt;
      if (typeof v !== 'string' || !allowed.includes(v as T)) {
        bad(key, `must be one of ${allowed.map((a) => `"${a}"`).join(', ')}`);
        return dflt;
      }
      return v as T;
    };
    const overlap = oneOf('overlap', OVERLAP_POLICIES, SCHEDULE_DEFAULTS.overlap);
    const catchUp = oneOf('catch_up', CATCH_UP_POLICIES, SCHEDULE_DEFAULTS.catchUp);
    let catchUpMax: number = SCHEDULE_DEFAULTS.catchUpMax;
    if (e.catch_up_max !== undefined) {
      if (typeof e.catch_up_max !== 'number' || !Number.isInteger(e.catch_up_max) || e.catch_up_max < 1 || e.catch_up_max > MAX_CATCH_UP)
        bad('catch_up_max', `must be a whole number from 1 to ${MAX_CATCH_UP}`);
      else catchUpMax = e.catch_up_max;
    }
    if (errors.length > before) return;
    const spec: ScheduleSpec = { name: name as string, cron: (e.cron as string).trim(), task, overlap, catchUp, catchUpMax };
    if (tz !== undefined) spec.tz = tz;
    const line = at?.get('');
    out.push({ spec, ...(line ? { line } : {}) });
  });
  return out;
}

/** Whether two specs would schedule the same thing (the record's history and state are not compared). */
export function sameSpec(a: ScheduleSpec, b: ScheduleSpec): boolean {
  return JSON.stringify(specOf(a)) === JSON.stringify(specOf(b));
}

/** Only the spec fields, in a fixed order. */
export function specOf(s: ScheduleSpec): ScheduleSpec {
  const task: ScheduledTask = { type: s.task.type };
  for (const k of ['env', 'label', 'priority', 'tags', 'retries', 'timeout', 'cwd'] as const)
    if (s.task[k] !== undefined) (task as unknown as Record<string, unknown>)[k] = s.task[k];
  if (task.env) task.env = Object.fromEntries(Object.entries(task.env).sort(([x], [y]) => (x < y ? -1 : 1)));
  return { name: s.name, cron: s.cron, ...(s.tz !== undefined ? { tz: s.tz } : {}), task, overlap: s.overlap, catchUp: s.catchUp, catchUpMax: s.catchUpMax };
}
