// Pure renderers for tasks: (data, now) → text.
import type { PsSections, ShowResult } from '../../protocol/methods.js';
import type { State, Task } from '../../protocol/model.js';
import { formatDuration } from '../../core/duration.js';
import { executorLabel } from '../../core/executor.js';
import { waitReason } from '../../core/states.js';
import { bold, cyan, dim, green, red, table, yellow } from '../style.js';

export function colorState(s: State): string {
  switch (s) {
    case 'SUCCESS':
      return green(s);
    case 'ERROR':
    case 'TIMEDOUT':
    case 'LOST':
      return red(s);
    case 'RUNNING':
    case 'CLAIMED':
      return cyan(s);
    case 'STOPPED':
    case 'SKIPPED':
      return yellow(s);
    case 'WAITING':
      return s;
  }
}

/** One line that says what the task runs. */
export function summary(t: Task, max = 60): string {
  const text = (t.type === 'shell' && t.env.COMMAND !== undefined ? t.env.COMMAND : t.command).replace(/\s+/g, ' ').trim();
  return [...text].length > max ? [...text].slice(0, max - 1).join('') + '…' : text;
}

function ago(ms: number): string {
  return `${formatDuration(Math.max(0, ms))} ago`;
}

function outcome(t: Task): string {
  if (t.signal) return t.signal;
  if (t.exitCode !== undefined && t.exitCode !== null) return String(t.exitCode);
  return '-';
}

function progress(t: Task): string {
  if (!t.progress) return '';
  const filled = Math.round(t.progress.percent / 10);
  return `${'█'.repeat(filled)}${dim('░'.repeat(10 - filled))} ${Math.round(t.progress.percent)}%${t.progress.message ? ` ${t.progress.message}` : ''}`;
}

export function renderPs(r: PsSections, now: number, cols = 120): string {
  const out: string[] = [];
  const cmdWidth = Math.max(20, cols - 60);
  if (r.running.length) {
    out.push(bold(`Running (${r.running.length})`));
    out.push(
      table(
        [
          ['ID', 'TYPE', 'STATE', 'WORKER', 'ELAPSED', 'LABEL', 'COMMAND'].map(dim),
          ...r.running.map((t) => [
            t.id,
            t.type,
            colorState(t.state),
            t.worker ?? '-',
            t.startedAt ? formatDuration(now - t.startedAt) : '-',
            t.label ?? '',
            [summary(t, cmdWidth), progress(t)].filter(Boolean).join('  '),
          ]),
        ],
        { maxWidth: cols },
      ),
    );
  }
  if (r.queued.length) {
    if (out.length) out.push('');
    out.push(bold(`Queued (${r.queued.length + r.more.queued}) — in the order they will run`));
    out.push(
      table(
        [
          ['ID', 'TYPE', 'PRIO', 'WAITS FOR', 'LABEL', 'COMMAND'].map(dim),
          ...r.queued.map((t) => [
            t.id,
            t.type,
            String(t.priority),
            r.reasons?.[t.id] ?? waitReason(t, now) ?? (t.attempt > 1 ? `retry ${t.attempt - 1}` : 'a worker'),
            t.label ?? '',
            summary(t, cmdWidth),
          ]),
        ],
        { maxWidth: cols },
      ),
    );
    if (r.more.queued) out.push(dim(`… and ${r.more.queued} more queued (blanket ps --state WAITING -n N)`));
  }
  if (r.finished.length) {
    if (out.length) out.push('');
    out.push(bold(`Finished (latest ${r.finished.length}${r.more.finished ? ` of ${r.finished.length + r.more.finished}` : ''})`));
    out.push(
      table(
        [
          ['ID', 'TYPE', 'STATE', 'EXIT', 'DURATION', 'ENDED', 'LABEL', 'COMMAND'].map(dim),
          ...r.finished.map((t) => [
            t.id,
            t.type,
            colorState(t.state),
            outcome(t),
            t.startedAt && t.endedAt ? formatDuration(t.endedAt - t.startedAt) : '-',
            t.endedAt ? ago(now - t.endedAt) : '-',
            t.label ?? '',
            summary(t, cmdWidth),
          ]),
        ],
        { maxWidth: cols },
      ),
    );
  }
  if (out.length === 0) return dim('No tasks. Submit one with: blanket run -- echo hello');
  return out.join('\n');
}

export function renderShow({ task: t, dependents, related, callerEnvNames, waiting }: ShowResult, now: number): string {
  const rows: [string, string][] = [
    ['id', bold(t.id)],
    ['type', t.type],
    ['state', `${colorState(t.state)}${t.reason ? `  ${dim(`(${t.reason})`)}` : ''}`],
  ];
  const wait = waitReason(t, now) ?? waiting;
  if (wait) rows.push(['waiting', wait]);
  if (t.label !== undefined) rows.push(['label', t.label]);
  rows.push(['priority', String(t.priority)]);
  rows.push(['tags', t.tags.join(', ') || '-']);
  rows.push(['executor', executorLabel(t.executor, t.executorArgs)]);
  if (t.runAs) rows.push(['user', `${t.runAs.user} (uid ${t.runAs.uid}, gid ${t.runAs.gid}${t.runAs.group ? ` ${t.runAs.group}` : ''})`]);
  if (t.keepOutput !== undefined) rows.push(['keep output', t.keepOutput]);
  rows.push(['attempt', `${t.attempt} of ${t.retries + 1}`]);
  rows.push(['timeout', `${t.timeout}s`]);
  rows.push(['created', new Date(t.createdAt).toISOString()]);
  if (t.notBefore !== undefined) rows.push(['not before', new Date(t.notBefore).toISOString()]);
  if (t.startedAt !== undefined) rows.push(['started', new Date(t.startedAt).toISOString()]);
  if (t.endedAt !== undefined) rows.push(['ended', new Date(t.endedAt).toISOString()]);
  if (t.startedAt !== undefined) rows.push(['duration', formatDuration((t.endedAt ?? now) - t.startedAt)]);
  if (t.worker !== undefined) rows.push(['worker', t.worker]);
  if (t.pid !== undefined) rows.push(['pid', String(t.pid)]);
  if (t.exitCode !== undefined || t.signal) rows.push(['exit', outcome(t)]);
  if (t.progress) rows.push(['progress', progress(t)]);
  const rel = (id: string) =>
    related === undefined ? `${id}${t.waitingOn.includes(id) ? ' (waiting)' : ''}` : related[id] ? `${id} ${colorState(related[id]!)}` : `${id} ${dim('(removed)')}`;
  if (t.after.length) rows.push(['depends on', t.after.map(rel).join(', ')]);
  if (dependents.length) rows.push(['dependents', dependents.map(rel).join(', ')]);
  if (t.schedule) rows.push(['schedule', `${t.schedule.name} (fire time ${new Date(t.schedule.fireAt).toISOString()})`]);
  rows.push(['results', t.resultDir]);
  rows.push(['cwd', t.cwd === undefined ? dim('(the result directory)') : t.cwd]);
  // The submitter's environment may hold secrets: its names are in --json, its values nowhere.
  rows.push(['base env', callerEnvNames ? `the submitter's (${callerEnvNames.length} variables; names in --json)` : "the worker's"]);
  const out = [table(rows.map(([k, v]) => [dim(k), v]))];
  const env = Object.entries(t.env);
  if (env.length) out.push('', bold('Environment'), table(env.map(([k, v]) => [k, JSON.stringify(v)])));
  out.push('', bold('Command'), t.command.replace(/\n$/, ''));
  if (t.files.length) out.push('', bold('Files'), t.files.map((f) => `${f.name} (${Buffer.byteLength(f.content)} bytes)`).join('\n'));
  if (t.attempts.length) {
    out.push('', bold('Attempts'));
    out.push(
      table([
        ['#', 'WORKER', 'STARTED', 'DURATION', 'OUTCOME', 'EXIT', 'REASON'].map(dim),
        ...t.attempts.map((a) => [
          String(a.attempt),
          a.worker === undefined ? '-' : a.host === undefined ? a.worker : `${a.worker}@${a.host}`,
          a.startedAt ? new Date(a.startedAt).toISOString() : '-',
          a.startedAt ? formatDuration((a.endedAt ?? now) - a.startedAt) : '-',
          a.outcome ? colorState(a.outcome) : cyan('running'),
          a.signal ?? (a.exitCode === undefined || a.exitCode === null ? '-' : String(a.exitCode)),
          a.reason ?? '',
        ]),
      ]),
    );
  }
  return out.join('\n');
}
