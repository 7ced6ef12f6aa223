// [archive] and [retention]: how long archived tasks are kept, and when finished tasks are archived.
import { formatDuration, parseDuration } from '../duration.js';
import type { Bad } from './build.js';
import type { Config } from './model.js';
import { DEFAULT_CONFIG } from './model.js';
import type { ConfigOption } from './options.js';

const KNOWN_ARCHIVE = ['keep'];
const KNOWN_RETENTION = ['finished'];

const table = (doc: Record<string, unknown>, name: string, known: string[], bad: Bad): Record<string, unknown> | undefined => {
  const v = doc[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    bad(name, `must be a table: [${name}]`);
    return undefined;
  }
  for (const k of Object.keys(v)) if (!known.includes(k)) bad(`${name}.${k}`, `unknown option (known in [${name}]: ${known.join(', ')})`);
  return v as Record<string, unknown>;
};

export function buildArchive(doc: Record<string, unknown>, cfg: Config, bad: Bad): void {
  const archive = table(doc, 'archive', KNOWN_ARCHIVE, bad);
  if (archive?.keep !== undefined) {
    const k = archive.keep;
    const ms = k === 0 || k === '0' ? 0 : typeof k === 'string' ? parseDuration(k) : undefined;
    if (ms === undefined || (ms !== 0 && ms < 1000)) bad('archive.keep', 'must be a duration of at least 1s, such as "30d", or 0 (keep archived tasks for ever)');
    else cfg.archive.keepMs = ms;
  }
  const retention = table(doc, 'retention', KNOWN_RETENTION, bad);
  const f = retention?.finished;
  if (f === undefined) return;
  if (typeof f === 'number' || (typeof f === 'string' && /^\s*\d+\s*$/.test(f))) {
    const n = Number(f);
    if (!Number.isInteger(n) || n < 1) bad('retention.finished', 'a count of tasks must be a whole number of at least 1, e.g. 10000');
    else cfg.retention = { finishedCount: n };
  } else {
    const ms = typeof f === 'string' ? parseDuration(f) : undefined;
    if (ms === undefined || ms < 1000)
      bad('retention.finished', 'must be a duration of at least 1s such as "30d" (archive tasks that ended longer ago), or a count such as 10000 (keep the newest)');
    else cfg.retention = { finishedMs: ms };
  }
}

const dur = (ms: number): string => (ms < 60_000 ? `${ms / 1000}s` : formatDuration(ms));

export const ARCHIVE_OPTIONS: readonly ConfigOption[] = [
  {
    key: 'archive.keep',
    env: 'BLANKET_ARCHIVE_KEEP',
    description:
      'How long tasks stay in the archive (blanket rm, [retention]) before the daemon deletes them for good, with their output: a duration such as "30d", at least 1s; 0 keeps them for ever. Checked at the start and then periodically.',
    defaultText: formatDuration(DEFAULT_CONFIG.archive.keepMs),
    fromEnv: (t) => t.trim(),
    get: (c) => c.archive.keepMs,
    show: (c) => (c.archive.keepMs === 0 ? '0 (for ever)' : dur(c.archive.keepMs)),
  },
  {
    key: 'retention.finished',
    env: 'BLANKET_RETENTION_FINISHED',
    description:
      'Archive finished tasks automatically, oldest first: a duration such as "30d" archives those that ended longer ago; a count such as 10000 keeps only the newest that many in the store. Unset: finished tasks stay until blanket rm.',
    defaultText: '(off)',
    fromEnv: (t) => t.trim(),
    get: (c) => c.retention.finishedMs ?? c.retention.finishedCount,
    show: (c) => (c.retention.finishedMs !== undefined ? dur(c.retention.finishedMs) : c.retention.finishedCount !== undefined ? `${c.retention.finishedCount} tasks` : '(off)'),
  },
];
