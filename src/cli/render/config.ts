// Pure renderer for `blanket config`.
import type { ConfigOptionReport, ConfigSource } from '../../core/config.js';
import { dim, table } from '../style.js';

export interface ConfigReport {
  home: string;
  /** BLANKET_HOME, or "default" for the platform's directories. */
  homeFrom: string;
  file: string;
  fileExists: boolean;
  options: ConfigOptionReport[];
}

export function formatSource(s: ConfigSource): string {
  if (s.from === 'env') return `env ${s.name}`;
  if (s.from === 'file') return `${s.file}${s.line ? `:${s.line}` : ''}`;
  return 'default';
}

export function renderConfig(r: ConfigReport): string {
  return [
    table([
      [dim('home'), r.home, dim(r.homeFrom)],
      [dim('config file'), r.file, dim(r.fileExists ? '' : '(not found: defaults apply)')],
    ]),
    '',
    table([['OPTION', 'VALUE', 'FROM'].map(dim), ...r.options.map((o) => [o.key, o.text, o.source.from === 'default' ? dim('default') : formatSource(o.source)])]),
  ].join('\n');
}
