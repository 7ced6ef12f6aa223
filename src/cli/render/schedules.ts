// Pure renderers for schedules: (data, now) → text. Fire times are shown in
// the schedule's own zone, the one its expression is read in.
import type { ScheduleList, ScheduleShow } from '../../protocol/methods.js';
import type { ScheduleInfo, Task } from '../../protocol/model.js';
import { formatDuration } from '../../core/duration.js';
import { bold, dim, green, table, yellow } from '../style.js';
import { colorState, summary } from './task.js';

const formats = new Map<string, Intl.DateTimeFormat>();
function parts(ms: number, zone: string): Record<string, string> {
  let f = formats.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formats.set(zone, f);
  }
  const out: Record<string, string> = {};
  for (const p of f.formatToParts(new Date(ms))) out[p.type] = p.value;
  return out;
}

/** "09:30" (or "09:30:02" with seconds) today in the zone, else "11-29 09:30", or with the year when it differs. */
export function clock(ms: number, zone: string, now: number, seconds = false): string {
  const p = parts(ms, zone);
  const n = parts(now, zone);
  const time = `${p.hour}:${p.minute}${seconds ? `:${p.second}` : ''}`;
  if (p.year === n.year && p.month === n.month && p.day === n.day) return time;
  return `${p.year !== n.year ? `${p.year}-` : ''}${p.month}-${p.day} ${time}`;
}

/** "2026-11-29 09:30:00 Europe/Berlin". */
export function fullTime(ms: number, zone: string): string {
  const p = parts(ms, zone);
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}:${p.second} ${zone}`;
}

function relative(ms: number, now: number): string {
  const d = ms - now;
  if (d > 0 && d < 1000) return 'in 1s';
  if (Math.abs(d) < 1000) return 'now';
  const text = d > 0 && d < 60_000 ? `${Math.ceil(d / 1000)}s` : formatDuration(Math.abs(d));
  return d > 0 ? `in ${text}` : `${text} ago`;
}

/** A six-field expression fires on seconds: show them. */
function hasSeconds(s: ScheduleInfo): boolean {
  return s.cron.trim().split(/\s+/).length === 6 || s.cron.trim() === '@secondly';
}

function state(s: ScheduleInfo): string {
  return s.paused ? yellow('paused') : green('active');
}

function next(s: ScheduleInfo, now: number): string {
  if (s.paused) return dim('-');
  if (s.next.length === 0) return dim('never');
  return `${relative(s.next[0]!, now)}: ${s.next.map((t) => clock(t, s.zone, now, hasSeconds(s))).join(', ')}`;
}

function lastRun(s: ScheduleInfo, now: number): string {
  if (!s.lastRun) return dim('-');
  return `${s.lastRun.taskId} ${colorState(s.lastRun.state)} ${dim(relative(s.lastRun.fireAt, now))}`;
}

function what(s: ScheduleInfo): string {
  const env = s.task.env ?? {};
  if (s.task.type === 'shell' && env.COMMAND !== undefined) return env.COMMAND;
  const vars = Object.entries(env).map(([k, v]) => `${k}=${JSON.stringify(v)}`);
  return [s.task.type, ...vars].join(' ');
}

function catchUp(s: ScheduleInfo): string {
  return s.catchUp === 'all' ? `all (at most ${s.catchUpMax})` : s.catchUp;
}

export function renderScheduleList(r: ScheduleList, now: number, cols = 120): string {
  const out: string[] = [];
  if (r.schedules.length === 0) out.push(dim('No schedules. Add one with: blanket schedule add NAME --cron "0 3 * * *" -- COMMAND'));
  else {
    out.push(
      table(
        [
          ['NAME', 'STATE', 'CRON', 'ZONE', 'NEXT', 'LAST RUN', 'OVERLAP', 'CATCH-UP', 'RUNS'].map(dim),
          ...r.schedules.map((s) => [s.name, state(s), s.cron, s.zone, next(s, now), lastRun(s, now), s.overlap, s.catchUp, what(s)]),
        ],
        { maxWidth: cols },
      ),
    );
  }
  for (const e of r.errors) out.push(yellow(`warning: ${e.file}${e.line ? `:${e.line}` : ''}: ${e.message}`));
  return out.join('\n');
}

/** One line for add, pause, resume. */
export function renderScheduleLine(verb: string, s: ScheduleInfo, now: number): string {
  return `schedule ${bold(s.name)} ${verb}: ${s.cron} (${s.zone})${s.paused ? ', paused' : s.next.length ? `, next ${next(s, now)}` : ''}`;
}

export function renderScheduleShow({ schedule: s, history }: ScheduleShow, now: number): string {
  const rows: [string, string][] = [
    ['name', bold(s.name)],
    ['state', state(s)],
    ['cron', s.cron],
    ['zone', s.tz === undefined ? `${s.zone} ${dim("(the daemon's)")}` : s.zone],
  ];
  if (s.paused) rows.push(['next', dim('- (paused)')]);
  else if (s.next.length === 0) rows.push(['next', dim('never')]);
  else s.next.forEach((t, i) => rows.push([i === 0 ? 'next' : '', `${fullTime(t, s.zone)} ${dim(`(${relative(t, now)})`)}`]));
  rows.push(['runs', what(s)]);
  if (s.task.label !== undefined) rows.push(['label', s.task.label]);
  if (s.task.priority !== undefined) rows.push(['priority', String(s.task.priority)]);
  rows.push(['overlap', s.overlap]);
  rows.push(['catch-up', catchUp(s)]);
  rows.push(['source', s.source === 'config' ? 'config.toml' : 'schedule add']);
  rows.push(['created', new Date(s.createdAt).toISOString()]);
  rows.push(['last run', lastRun(s, now)]);
  if (s.queued.length) rows.push(['queued fires', `${s.queued.length} (oldest ${fullTime(s.queued[0]!, s.zone)})`]);
  rows.push(['skipped fires', s.skipped ? `${s.skipped}${s.lastSkip ? `  ${dim(`latest: ${s.lastSkip.reason}`)}` : ''}` : '0']);
  const out = [table(rows.map(([k, v]) => [dim(k), v]))];
  out.push('', bold(`History (latest ${history.length})`));
  if (history.length === 0) out.push(dim('No runs yet.'));
  else
    out.push(
      table([
        ['ID', 'FIRE TIME', 'STATE', 'ENDED', 'COMMAND'].map(dim),
        ...history.map((t: Task) => [
          t.id,
          t.schedule ? clock(t.schedule.fireAt, s.zone, now, hasSeconds(s)) : '-',
          colorState(t.state),
          t.endedAt ? relative(t.endedAt, now) : '-',
          summary(t, 40),
        ]),
      ]),
    );
  return out.join('\n');
}
