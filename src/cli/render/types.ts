// Pure renderers for task types.
import type { TaskTypeInfo, TypeLoadError } from '../../protocol/model.js';
import { formatDuration } from '../../core/duration.js';
import { formatRateLimit } from '../../core/dispatch.js';
import { executorLabel } from '../../core/executor.js';
import { bold, dim, red, table, yellow } from '../style.js';

/** Where a type comes from, short: "bundled", "db", or the file's path with ~ for the home dir. */
export function shortSource(source: string, bundledDir?: string, home = process.env.HOME): string {
  if (source.startsWith('db:')) return 'db';
  if (bundledDir && source.startsWith(bundledDir + '/')) return 'bundled';
  return home && source.startsWith(home + '/') ? '~' + source.slice(home.length) : source;
}

export function renderTypeList(types: TaskTypeInfo[], errors: TypeLoadError[], bundled?: string): string {
  const out = [
    table([
      ['NAME', 'EXECUTOR', 'TAGS', 'SOURCE', 'DESCRIPTION'].map(dim),
      ...types.map((t) => [t.error ? yellow(t.name) : t.name, t.executor, t.tags.join(',') || '-', shortSource(t.source, bundled), t.description.split('\n')[0] ?? '']),
    ]),
  ];
  if (errors.length) out.push('', red(bold('Problems')), ...errors.map(formatLoadError));
  return out.join('\n');
}

export function formatLoadError(e: TypeLoadError): string {
  return `${e.file}${e.line ? `:${e.line}` : ''}: ${e.message}`;
}

export function renderType(t: TaskTypeInfo): string {
  const rows: [string, string][] = [
    ['name', bold(t.name)],
    ['description', t.description || '-'],
    ['source', t.source],
    ['executor', executorLabel(t.executor, t.executorArgs)],
    ['tags', t.tags.join(', ') || '-'],
    ['timeout', `${t.timeout}s`],
    ['retries', `${t.retries}${t.retries ? ` (backoff from ${formatDuration(t.retryBackoff)})` : ''}`],
    ['priority', String(t.priority)],
    ['max_concurrent', t.maxConcurrent ? String(t.maxConcurrent) : 'unlimited'],
    ['rate_limit', t.rateLimit ? `${formatRateLimit(t.rateLimit)} (at most ${t.rateLimit.count} start in any ${formatDuration(t.rateLimit.windowMs)})` : 'none'],
    ['weight', String(t.weight ?? 1)],
    ['keep_output', t.keepOutput],
  ];
  if (t.user !== undefined) rows.push(['user', `${t.user}${t.group !== undefined ? `:${t.group}` : ''}`]);
  if (t.extends) rows.push(['extends', t.extends]);
  if (t.cwd) rows.push(['cwd', t.cwd]);
  const out = [table(rows.map(([k, v]) => [dim(k), v]))];
  const env = [
    ...t.environment.required.map((f) => [f.name, 'required', '', f.description ?? '']),
    ...t.environment.default.map((f) => [f.name, 'default', JSON.stringify(f.value ?? ''), f.description ?? '']),
    ...t.environment.optional.map((f) => [f.name, 'optional', '', f.description ?? '']),
  ];
  if (env.length) out.push('', bold('Environment'), table([['NAME', 'KIND', 'DEFAULT', 'DESCRIPTION'].map(dim), ...env]));
  out.push('', bold('Command'), t.command.replace(/\n$/, ''));
  if (t.files.length) out.push('', bold('Files'), t.files.map((f) => f.name).join('\n'));
  if (t.hooks && Object.keys(t.hooks).length) out.push('', bold('Hooks'), table(Object.entries(t.hooks).map(([k, v]) => [dim(k), v.replace(/\n$/, '')])));
  if (t.warnings.length) out.push('', yellow(bold('Warnings')), ...t.warnings);
  if (t.error) out.push('', red(bold('Errors (the last good version is in force)')), t.error);
  return out.join('\n');
}
