// config.toml and BLANKET_* environment overrides: parsed and validated here
// (pure); read by the daemon at start and shown by `blanket config`.
import path from 'node:path';
import TOML from '@iarna/toml';
import type { TypeLoadError } from '../protocol/model.js';
import { DEFAULT_MAX_MESSAGE } from '../protocol/framing.js';
import { formatDuration, parseDuration } from './duration.js';
import { checkHookTemplate, HOOK_NAMES, type HookSet } from './hooks.js';
import { LOG_LEVELS, type LogLevel } from './logline.js';
import { parseScheduleEntries, type ScheduleEntry } from './schedules.js';

export interface WorkerConfig {
  /** Replace the detected tags. */
  tags?: string[];
  /** Add to the detected tags. */
  extraTags: string[];
  /** Parallel tasks; default the CPU count. */
  slots?: number;
}

export interface BackupConfig {
  /** Take a backup this often, ms; 0: never (only `blanket db backup`). */
  intervalMs: number;
  /** Where backups go; relative to config.toml's directory. Default: backups/ in the state dir. */
  dir?: string;
  /** Scheduled backups kept; older ones are removed. */
  keep: number;
}

export interface Config {
  typesPaths: string[];
  maxMessageBytes: number;
  /** fsync each submit/kill batch. */
  syncWrites: boolean;
  /** SIGTERM → SIGKILL grace for timeouts and kills, ms. */
  killGraceMs: number;
  /** Per-stream output cap, bytes. */
  maxOutputBytes: number;
  worker: WorkerConfig;
  log: LogConfig;
  hooks: HooksConfig;
  metrics: MetricsConfig;
  /** [[schedule]] entries; the daemon reconciles its schedules with them. */
  schedules: ScheduleEntry[];
  backup: BackupConfig;
}

export { LOG_LEVELS, type LogLevel };

export interface LogConfig {
  /** Rotate daemon.log and worker-*.log when they reach this many bytes. */
  maxBytes: number;
  /** Rotated files kept per log. */
  keep: number;
  level: LogLevel;
}

export interface HooksConfig {
  /** Global hook commands, run for every task after its type's own. */
  commands: HookSet;
  timeoutMs: number;
}

export interface MetricsConfig {
  /** host:port of the Prometheus listener (loopback only); undefined: off. */
  listen?: string;
  /** How often a sample goes into the store's history; 0: never. */
  sampleIntervalMs: number;
  /** How long samples are kept. */
  historyMs: number;
}

export const DEFAULT_CONFIG: Config = {
  typesPaths: [],
  maxMessageBytes: DEFAULT_MAX_MESSAGE,
  syncWrites: true,
  killGraceMs: 10_000,
  maxOutputBytes: 100 * 1024 * 1024,
  worker: { extraTags: [] },
  log: { maxBytes: 10 * 1024 * 1024, keep: 5, level: 'info' },
  hooks: { commands: {}, timeoutMs: 30_000 },
  metrics: { sampleIntervalMs: 60_000, historyMs: 7 * 86_400_000 },
  schedules: [],
  backup: { intervalMs: 0, keep: 7 },
};

/** One setting: its config.toml key, its environment override and how it reads. */
export interface ConfigOption {
  /** Dotted for keys inside a table: "worker.slots" is `slots` under `[worker]`. */
  key: string;
  env: string;
  description: string;
  /** The default as people read it (docs, `blanket config`). */
  defaultText: string;
  /** The env var's text as the value config.toml would hold; validation is shared. */
  fromEnv(text: string): unknown;
  /** The effective value, as Config holds it (undefined: decided at run time). */
  get(c: Config): unknown;
  /** The effective value as people read it. */
  show(c: Config): string;
}

const number = (t: string): unknown => (/^\d+$/.test(t.trim()) ? Number(t.trim()) : t);
const list = (t: string): string[] => t.split(/[\s,]+/).filter(Boolean);
const bool = (t: string): unknown => ({ true: true, '1': true, yes: true, on: true, false: false, '0': false, no: false, off: false })[t.trim().toLowerCase()] ?? t;
const size = (n: number): string => {
  for (const [unit, s] of [['GiB', 1024 ** 3], ['MiB', 1024 ** 2], ['KiB', 1024]] as const) if (n >= s && n % s === 0) return `${n / s} ${unit}`;
  return `${n} bytes`;
};
const dur = (ms: number): string => (ms % 1000 === 0 && ms < 60_000 ? `${ms / 1000}s` : formatDuration(ms));
const tags = (t: string[] | undefined): string => (t === undefined ? '' : t.length ? t.join(', ') : '(none)');

export const CONFIG_OPTIONS: readonly ConfigOption[] = [
  {
    key: 'types_paths',
    env: 'BLANKET_TYPES_PATHS',
    description: `More directories of task-type files, after the bundled ones and the task-types/ directory beside config.toml. Relative paths are relative to config.toml. The env var is a list separated by ":" (";" on Windows).`,
    defaultText: '[] (none)',
    fromEnv: (t) => t.split(path.delimiter).filter(Boolean),
    get: (c) => c.typesPaths,
    show: (c) => (c.typesPaths.length ? c.typesPaths.join(', ') : '(none)'),
  },
  {
    key: 'max_message_bytes',
    env: 'BLANKET_MAX_MESSAGE_BYTES',
    description: 'The largest JSON-RPC message the daemon accepts on its socket; bigger ones are refused before they are buffered. A number of bytes or a size such as "4 MiB"; at least 1 KiB.',
    defaultText: size(DEFAULT_CONFIG.maxMessageBytes),
    fromEnv: number,
    get: (c) => c.maxMessageBytes,
    show: (c) => size(c.maxMessageBytes),
  },
  {
    key: 'sync_writes',
    env: 'BLANKET_SYNC_WRITES',
    description: 'Flush each submit and kill to disk before answering, so an acknowledged task survives a power cut. false is faster and still survives a crash of the daemon.',
    defaultText: String(DEFAULT_CONFIG.syncWrites),
    fromEnv: bool,
    get: (c) => c.syncWrites,
    show: (c) => String(c.syncWrites),
  },
  {
    key: 'kill_grace',
    env: 'BLANKET_KILL_GRACE',
    description: 'How long a task gets between SIGTERM and SIGKILL when it is killed or times out. A duration such as "10s" or "1m30s", or seconds.',
    defaultText: dur(DEFAULT_CONFIG.killGraceMs),
    fromEnv: (t) => t,
    get: (c) => c.killGraceMs,
    show: (c) => dur(c.killGraceMs),
  },
  {
    key: 'max_output_bytes',
    env: 'BLANKET_MAX_OUTPUT_BYTES',
    description: "The most output kept per task and stream (stdout, stderr). A number of bytes or a size such as \"100 MiB\".",
    defaultText: size(DEFAULT_CONFIG.maxOutputBytes),
    fromEnv: number,
    get: (c) => c.maxOutputBytes,
    show: (c) => size(c.maxOutputBytes),
  },
  {
    key: 'worker.tags',
    env: 'BLANKET_WORKER_TAGS',
    description: "The local worker's tags, replacing the ones detected from the host (os, shells and interpreters on PATH). The env var is a list separated by commas or spaces.",
    defaultText: 'detected from the host',
    fromEnv: list,
    get: (c) => c.worker.tags,
    show: (c) => tags(c.worker.tags) || '(detected from the host)',
  },
  {
    key: 'worker.extra_tags',
    env: 'BLANKET_WORKER_EXTRA_TAGS',
    description: "Tags added to the local worker's detected (or configured) tags, e.g. [\"gpu\", \"site:lab\"]. The env var is a list separated by commas or spaces.",
    defaultText: '[] (none)',
    fromEnv: list,
    get: (c) => c.worker.extraTags,
    show: (c) => tags(c.worker.extraTags),
  },
  {
    key: 'worker.slots',
    env: 'BLANKET_WORKER_SLOTS',
    description: 'How many tasks the local worker runs at once, 0 to 1024; 0 starts no local worker.',
    defaultText: 'the number of CPUs',
    fromEnv: number,
    get: (c) => c.worker.slots,
    show: (c) => (c.worker.slots === undefined ? '(the number of CPUs)' : String(c.worker.slots)),
  },
  {
    key: 'log.max_size',
    env: 'BLANKET_LOG_MAX_SIZE',
    description: 'Rotate daemon.log and each worker-NAME.log when it reaches this size. A number of bytes or a size such as "10 MiB"; at least 1 KiB.',
    defaultText: size(DEFAULT_CONFIG.log.maxBytes),
    fromEnv: number,
    get: (c) => c.log.maxBytes,
    show: (c) => size(c.log.maxBytes),
  },
  {
    key: 'log.keep',
    env: 'BLANKET_LOG_KEEP',
    description: 'How many rotated files to keep of each log (daemon.log.1 … daemon.log.N), 1 to 100.',
    defaultText: String(DEFAULT_CONFIG.log.keep),
    fromEnv: number,
    get: (c) => c.log.keep,
    show: (c) => String(c.log.keep),
  },
  {
    key: 'log.level',
    env: 'BLANKET_LOG_LEVEL',
    description: `The least severe level written to the daemon and worker logs: ${LOG_LEVELS.join(', ')}.`,
    defaultText: DEFAULT_CONFIG.log.level,
    fromEnv: (t) => t.trim().toLowerCase(),
    get: (c) => c.log.level,
    show: (c) => c.log.level,
  },
  ...HOOK_NAMES.map(
    (h): ConfigOption => ({
      key: `hooks.${h}`,
      env: `BLANKET_HOOKS_${h.toUpperCase()}`,
      description: `A command run (with sh) when any task ${h === 'on_success' ? 'succeeds' : h === 'on_failure' ? 'fails (ERROR, TIMEDOUT, LOST, SKIPPED)' : 'ends, whatever its state'}, after its type's own ${h}. {{ID}}, {{STATE}}, {{EXIT_CODE}}, … insert the task's values quoted for the shell (docs/observability.md lists them).`,
      defaultText: '(none)',
      fromEnv: (t) => t,
      get: (c) => c.hooks.commands[h],
      show: (c) => c.hooks.commands[h] ?? '(none)',
    }),
  ),
  {
    key: 'hooks.timeout',
    env: 'BLANKET_HOOKS_TIMEOUT',
    description: 'How long a hook command may run before it is stopped (SIGTERM, then SIGKILL 2 s later). A duration such as "30s".',
    defaultText: dur(DEFAULT_CONFIG.hooks.timeoutMs),
    fromEnv: (t) => t,
    get: (c) => c.hooks.timeoutMs,
    show: (c) => dur(c.hooks.timeoutMs),
  },
  {
    key: 'metrics.listen',
    env: 'BLANKET_METRICS_LISTEN',
    description: 'Serve Prometheus metrics over HTTP at this loopback address, e.g. "127.0.0.1:9464" (GET /metrics). Off when empty. Only 127.0.0.1, ::1 and localhost are accepted; port 0 picks a free port (blanket stats shows it).',
    defaultText: '"" (off)',
    fromEnv: (t) => t.trim(),
    get: (c) => c.metrics.listen,
    show: (c) => c.metrics.listen ?? '(off)',
  },
  {
    key: 'metrics.sample_interval',
    env: 'BLANKET_METRICS_SAMPLE_INTERVAL',
    description: 'How often the daemon writes a sample (task counts, throughput, memory, CPU) into its store, for the history blanket stats shows. A duration, at least 1s; 0 turns sampling off.',
    defaultText: dur(DEFAULT_CONFIG.metrics.sampleIntervalMs),
    fromEnv: (t) => t,
    get: (c) => c.metrics.sampleIntervalMs,
    show: (c) => (c.metrics.sampleIntervalMs === 0 ? '0 (off)' : dur(c.metrics.sampleIntervalMs)),
  },
  {
    key: 'metrics.history',
    env: 'BLANKET_METRICS_HISTORY',
    description: 'How long samples are kept. A duration such as "7d"; older samples are deleted as new ones are written.',
    defaultText: formatDuration(DEFAULT_CONFIG.metrics.historyMs),
    fromEnv: (t) => t,
    get: (c) => c.metrics.historyMs,
    show: (c) => formatDuration(c.metrics.historyMs),
  },
  {
    key: 'backup.interval',
    env: 'BLANKET_BACKUP_INTERVAL',
    description: 'Take a consistent backup of the store this often, while the daemon runs (a duration such as "6h"; 0 or unset: only when you run blanket db backup).',
    defaultText: '0 (no scheduled backups)',
    fromEnv: (t) => t,
    get: (c) => c.backup.intervalMs,
    show: (c) => (c.backup.intervalMs === 0 ? '0 (no scheduled backups)' : dur(c.backup.intervalMs)),
  },
  {
    key: 'backup.dir',
    env: 'BLANKET_BACKUP_DIR',
    description: 'Where backups go (scheduled ones, db backup without a path, and the copy db repair makes first). Relative paths are relative to config.toml.',
    defaultText: 'backups/ in the state directory',
    fromEnv: (t) => t,
    get: (c) => c.backup.dir,
    show: (c) => c.backup.dir ?? '(backups/ in the state directory)',
  },
  {
    key: 'backup.keep',
    env: 'BLANKET_BACKUP_KEEP',
    description: 'How many scheduled backups to keep; older ones are removed. Backups you take yourself are never removed.',
    defaultText: String(DEFAULT_CONFIG.backup.keep),
    fromEnv: number,
    get: (c) => c.backup.keep,
    show: (c) => String(c.backup.keep),
  },
];

/** Top-level keys config.toml may hold; the tables without options yet are reserved for features to come. */
const KNOWN_TOP = ['types_paths', 'max_message_bytes', 'sync_writes', 'kill_grace', 'max_output_bytes', 'worker', 'schedule', 'hooks', 'metrics', 'backup', 'log'];
const KNOWN_WORKER = ['tags', 'extra_tags', 'slots'];
const KNOWN_IN: Record<string, string[]> = {
  log: ['max_size', 'keep', 'level'],
  hooks: [...HOOK_NAMES, 'timeout'],
  metrics: ['listen', 'sample_interval', 'history'],
};
const KNOWN_BACKUP = ['interval', 'dir', 'keep'];

export type ConfigSource = { from: 'default' } | { from: 'file'; file: string; line?: number } | { from: 'env'; name: string };

export interface EffectiveConfig {
  config: Config;
  /** Where each option of CONFIG_OPTIONS got its value, by key. */
  sources: Record<string, ConfigSource>;
}

export class ConfigError extends Error {
  constructor(readonly errors: TypeLoadError[]) {
    super(errors.map((e) => `${e.file}${e.line ? `:${e.line}` : ''}: ${e.message}`).join('\n'));
  }
}

const SIZE = /^(\d+(?:\.\d+)?)\s*(b|kib|kb|mib|mb|gib|gb)?$/i;
const SIZE_UNITS: Record<string, number> = { b: 1, kb: 1e3, kib: 1024, mb: 1e6, mib: 1024 ** 2, gb: 1e9, gib: 1024 ** 3 };

export function parseSize(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isInteger(v) && v > 0) return v;
  if (typeof v !== 'string') return undefined;
  const m = SIZE.exec(v.trim());
  return m ? Math.round(parseFloat(m[1]!) * SIZE_UNITS[(m[2] ?? 'b').toLowerCase()]!) : undefined;
}

/** The line of each key in a TOML text, by dotted key ("worker.slots"). Enough for messages, not a TOML parser. */
export function keyLines(text: string): Map<string, number> {
  const lines = new Map<string, number>();
  let table = '';
  text.split('\n').forEach((raw, i) => {
    const l = raw.trim();
    const header = /^\[\[?\s*([^\]]+?)\s*\]\]?/.exec(l);
    if (header) {
      table = header[1]!.replace(/\s*\.\s*/g, '.').replace(/["']/g, '');
      if (!lines.has(table)) lines.set(table, i + 1);
      return;
    }
    const kv = /^((?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*')(?:\s*\.\s*(?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*'))*)\s*=/.exec(l);
    if (!kv) return;
    const key = kv[1]!.replace(/\s*\.\s*/g, '.').replace(/["']/g, '');
    const full = table ? `${table}.${key}` : key;
    if (!lines.has(full)) lines.set(full, i + 1);
  });
  return lines;
}

/**
 * The configuration in force: defaults, then config.toml (when there is one),
 * then BLANKET_* environment variables. Throws ConfigError naming file:line
 * (or the env var) of every bad value.
 */
export function effectiveConfig(fileText: string | undefined, env: Record<string, string | undefined>, file = 'config.toml'): EffectiveConfig {
  let doc: Record<string, unknown> = {};
  if (fileText !== undefined) {
    try {
      doc = TOML.parse(fileText) as Record<string, unknown>;
    } catch (err) {
      const e = err as { line?: number; message: string };
      throw new ConfigError([{ file, ...(e.line !== undefined ? { line: e.line + 1 } : {}), message: `invalid TOML: ${e.message.split('\n')[0]}` }]);
    }
  }
  const lines = keyLines(fileText ?? '');
  const sources: Record<string, ConfigSource> = {};
  for (const opt of CONFIG_OPTIONS) {
    const inFile = lookup(doc, opt.key) !== undefined;
    const line = lines.get(opt.key);
    sources[opt.key] = inFile ? { from: 'file', file, ...(line ? { line } : {}) } : { from: 'default' };
  }
  // Env values go into the document, so one set of checks covers both.
  for (const opt of CONFIG_OPTIONS) {
    const text = env[opt.env];
    if (text === undefined || text.trim() === '') continue;
    const [table, key] = opt.key.includes('.') ? opt.key.split('.') : [undefined, opt.key];
    if (table === undefined) doc[key!] = opt.fromEnv(text);
    else {
      const t = doc[table];
      const copy = typeof t === 'object' && t !== null && !Array.isArray(t) ? { ...(t as Record<string, unknown>) } : {};
      copy[key!] = opt.fromEnv(text);
      doc[table] = copy;
    }
    sources[opt.key] = { from: 'env', name: opt.env };
  }
  const errors: TypeLoadError[] = [];
  const bad = (key: string, message: string) => {
    const s = sources[key];
    if (s?.from === 'env') errors.push({ file: `environment variable ${s.name}`, message: `${key}: ${message} (got "${env[s.name]}")` });
    else {
      const line = lines.get(key);
      errors.push({ file, ...(line ? { line } : {}), message: `${key}: ${message}` });
    }
  };
  const config = buildConfig(doc, bad);
  config.schedules = parseScheduleEntries(doc.schedule, fileText ?? '', file, errors);
  if (errors.length) throw new ConfigError(errors);
  return { config, sources };
}

/** config.toml alone (no environment). */
export function parseConfig(file: string, text: string): Config {
  return effectiveConfig(text, {}, file).config;
}

function lookup(doc: Record<string, unknown>, dotted: string): unknown {
  let v: unknown = doc;
  for (const part of dotted.split('.')) {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return undefined;
    v = (v as Record<string, unknown>)[part];
  }
  return v;
}

function buildConfig(doc: Record<string, unknown>, bad: (key: string, message: string) => void): Config {
  const cfg: Config = structuredClone(DEFAULT_CONFIG);
  for (const k of Object.keys(doc)) if (!KNOWN_TOP.includes(k)) bad(k, `unknown option (known: ${KNOWN_TOP.join(', ')})`);
  if (doc.types_paths !== undefined) {
    if (!Array.isArray(doc.types_paths) || !doc.types_paths.every((p) => typeof p === 'string')) bad('types_paths', 'must be a list of directory paths');
    else cfg.typesPaths = doc.types_paths as string[];
  }
  if (doc.max_message_bytes !== undefined) {
    const n = parseSize(doc.max_message_bytes);
    if (n === undefined || n < 1024) bad('max_message_bytes', 'must be a size of at least 1 KiB, e.g. 1048576 or "1 MiB"');
    else cfg.maxMessageBytes = n;
  }
  if (doc.max_output_bytes !== undefined) {
    const n = parseSize(doc.max_output_bytes);
    if (n === undefined) bad('max_output_bytes', 'must be a size, e.g. "100 MiB"');
    else cfg.maxOutputBytes = n;
  }
  if (doc.sync_writes !== undefined) {
    if (typeof doc.sync_writes !== 'boolean') bad('sync_writes', 'must be true or false');
    else cfg.syncWrites = doc.sync_writes;
  }
  if (doc.kill_grace !== undefined) {
    const ms = typeof doc.kill_grace === 'string' || typeof doc.kill_grace === 'number' ? parseDuration(doc.kill_grace) : undefined;
    if (ms === undefined) bad('kill_grace', 'must be a duration such as "10s"');
    else cfg.killGraceMs = ms;
  }
  if (doc.worker !== undefined) {
    const w = doc.worker as Record<string, unknown>;
    if (typeof w !== 'object' || w === null || Array.isArray(w)) bad('worker', 'must be a table: [worker]');
    else {
      for (const k of Object.keys(w)) if (!KNOWN_WORKER.includes(k)) bad(`worker.${k}`, `unknown option (known in [worker]: ${KNOWN_WORKER.join(', ')})`);
      const tagList = (v: unknown) => Array.isArray(v) && v.every((t) => typeof t === 'string' && /^[A-Za-z0-9_.:+-]+$/.test(t));
      if (w.tags !== undefined) {
        if (!tagList(w.tags)) bad('worker.tags', 'must be a list of tags (letters, digits and _ . : + -)');
        else cfg.worker.tags = w.tags as string[];
      }
      if (w.extra_tags !== undefined) {
        if (!tagList(w.extra_tags)) bad('worker.extra_tags', 'must be a list of tags (letters, digits and _ . : + -)');
        else cfg.worker.extraTags = w.extra_tags as string[];
      }
      if (w.slots !== undefined) {
        if (typeof w.slots !== 'number' || !Number.isInteger(w.slots) || w.slots < 0 || w.slots > 1024) bad('worker.slots', 'must be a whole number from 0 to 1024');
        else cfg.worker.slots = w.slots;
      }
    }
  }
  buildObservability(doc, cfg, bad);
  if (doc.backup !== undefined) {
    const b = doc.backup as Record<string, unknown>;
    if (typeof b !== 'object' || b === null || Array.isArray(b)) bad('backup', 'must be a table: [backup]');
    else {
      for (const k of Object.keys(b)) if (!KNOWN_BACKUP.includes(k)) bad(`backup.${k}`, `unknown option (known in [backup]: ${KNOWN_BACKUP.join(', ')})`);
      if (b.interval !== undefined) {
        const ms = b.interval === 0 || b.interval === '0' ? 0 : typeof b.interval === 'string' || typeof b.interval === 'number' ? parseDuration(b.interval) : undefined;
        if (ms === undefined || (ms !== 0 && ms < 1000)) bad('backup.interval', 'must be a duration of at least 1s, such as "6h", or 0');
        else cfg.backup.intervalMs = ms;
      }
      if (b.dir !== undefined) {
        if (typeof b.dir !== 'string' || b.dir === '') bad('backup.dir', 'must be a directory path');
        else cfg.backup.dir = b.dir;
      }
      if (b.keep !== undefined) {
        if (typeof b.keep !== 'number' || !Number.isInteger(b.keep) || b.keep < 1 || b.keep > 10000) bad('backup.keep', 'must be a whole number from 1 to 10000');
        else cfg.backup.keep = b.keep;
      }
    }
  }
  return cfg;
}

/** A table of config.toml as an object, or undefined (and an error) when it is not a table. */
function tableOf(doc: Record<string, unknown>, name: string, bad: (key: string, message: string) => void): Record<string, unknown> | undefined {
  const v = doc[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    bad(name, `must be a table: [${name}]`);
    return undefined;
  }
  const known = KNOWN_IN[name] ?? [];
  for (const k of Object.keys(v)) if (!known.includes(k)) bad(`${name}.${k}`, `unknown option (known in [${name}]: ${known.join(', ')})`);
  return v as Record<string, unknown>;
}

const durationOf = (v: unknown): number | undefined => (typeof v === 'string' || typeof v === 'number' ? parseDuration(v) : undefined);

/** Is this a loopback host:port the metrics listener may use? Returns the problem, if any. */
export function checkListen(text: string): string | undefined {
  const m = /^(\[::1\]|127\.0\.0\.1|localhost):(\d{1,5})$/.exec(text);
  if (!m) return 'must be a loopback address and port, e.g. "127.0.0.1:9464" ("[::1]:9464" and "localhost:9464" work too)';
  if (Number(m[2]) > 65535) return 'the port must be from 0 to 65535';
  return undefined;
}

/** [log], [hooks] and [metrics]. */
function buildObservability(doc: Record<string, unknown>, cfg: Config, bad: (key: string, message: string) => void): void {
  const log = tableOf(doc, 'log', bad);
  if (log?.max_size !== undefined) {
    const n = parseSize(log.max_size);
    if (n === undefined || n < 1024) bad('log.max_size', 'must be a size of at least 1 KiB, e.g. "10 MiB"');
    else cfg.log.maxBytes = n;
  }
  if (log?.keep !== undefined) {
    if (typeof log.keep !== 'number' || !Number.isInteger(log.keep) || log.keep < 1 || log.keep > 100) bad('log.keep', 'must be a whole number from 1 to 100');
    else cfg.log.keep = log.keep;
  }
  if (log?.level !== undefined) {
    if (typeof log.level !== 'string' || !(LOG_LEVELS as readonly string[]).includes(log.level)) bad('log.level', `must be one of ${LOG_LEVELS.join(', ')}`);
    else cfg.log.level = log.level as LogLevel;
  }
  const hooks = tableOf(doc, 'hooks', bad);
  for (const h of HOOK_NAMES) {
    const v = hooks?.[h];
    if (v === undefined) continue;
    const problem = typeof v === 'string' ? checkHookTemplate(v) : 'must be a command (a string)';
    if (problem) bad(`hooks.${h}`, problem);
    else cfg.hooks.commands[h] = v as string;
  }
  if (hooks?.timeout !== undefined) {
    const ms = durationOf(hooks.timeout);
    if (ms === undefined || ms < 100) bad('hooks.timeout', 'must be a duration of at least 100ms, such as "30s"');
    else cfg.hooks.timeoutMs = ms;
  }
  const metrics = tableOf(doc, 'metrics', bad);
  if (metrics?.listen !== undefined) {
    const problem = typeof metrics.listen === 'string' ? (metrics.listen === '' ? undefined : checkListen(metrics.listen)) : 'must be a string such as "127.0.0.1:9464"';
    if (problem) bad('metrics.listen', problem);
    else if (metrics.listen !== '') cfg.metrics.listen = metrics.listen as string;
  }
  if (metrics?.sample_interval !== undefined) {
    const ms = durationOf(metrics.sample_interval);
    if (ms === undefined || (ms !== 0 && ms < 1000)) bad('metrics.sample_interval', 'must be a duration of at least 1s, such as "60s", or 0 (off)');
    else cfg.metrics.sampleIntervalMs = ms;
  }
  if (metrics?.history !== undefined) {
    const ms = durationOf(metrics.history);
    if (ms === undefined || ms < 60_000) bad('metrics.history', 'must be a duration of at least 1m, such as "7d"');
    else cfg.metrics.historyMs = ms;
  }
}

/** One row of `blanket config`: an option, its value and where the value came from. */
export interface ConfigOptionReport {
  key: string;
  env: string;
  /** As Config holds it; null when decided at run time (e.g. slots = CPU count). */
  value: unknown;
  text: string;
  source: ConfigSource;
}

export function explainConfig(eff: EffectiveConfig): ConfigOptionReport[] {
  return CONFIG_OPTIONS.map((o) => ({ key: o.key, env: o.env, value: o.get(eff.config) ?? null, text: o.show(eff.config), source: eff.sources[o.key] ?? { from: 'default' } }));
}
