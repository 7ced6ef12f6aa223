// config.toml: parsed and validated here (pure); read and watched by the daemon.
import TOML from '@iarna/toml';
import type { TypeLoadError } from '../protocol/model.js';
import { DEFAULT_MAX_MESSAGE } from '../protocol/framing.js';
import { parseDuration } from './duration.js';

export interface WorkerConfig {
  /** Replace the detected tags. */
  tags?: string[];
  /** Add to the detected tags. */
  extraTags: string[];
  /** Parallel tasks; default the CPU count. */
  slots?: number;
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
}

export const DEFAULT_CONFIG: Config = {
  typesPaths: [],
  maxMessageBytes: DEFAULT_MAX_MESSAGE,
  syncWrites: true,
  killGraceMs: 10_000,
  maxOutputBytes: 100 * 1024 * 1024,
  worker: { extraTags: [] },
};

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

export function parseConfig(file: string, text: string): Config {
  let doc: Record<string, unknown>;
  try {
    doc = TOML.parse(text) as Record<string, unknown>;
  } catch (err) {
    const e = err as { line?: number; message: string };
    throw new ConfigError([{ file, ...(e.line !== undefined ? { line: e.line + 1 } : {}), message: `invalid TOML: ${e.message.split('\n')[0]}` }]);
  }
  const errors: TypeLoadError[] = [];
  const lineOf = (key: string) => {
    const k = key.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'); // a quoted key may hold any character
    const i = text.split('\n').findIndex((l) => new RegExp(`^\\s*["']?${k}["']?\\s*=`).test(l));
    return i >= 0 ? i + 1 : undefined;
  };
  const bad = (key: string, message: string) => errors.push({ file, ...(lineOf(key) ? { line: lineOf(key)! } : {}), message: `${key}: ${message}` });
  const cfg: Config = structuredClone(DEFAULT_CONFIG);
  const known = new Set(['types_paths', 'max_message_bytes', 'sync_writes', 'kill_grace', 'max_output_bytes', 'worker', 'schedule', 'hooks', 'metrics', 'backup', 'log']);
  for (const k of Object.keys(doc)) if (!known.has(k)) bad(k, `unknown option (known: ${[...known].join(', ')})`);
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
      const tagList = (v: unknown) => Array.isArray(v) && v.every((t) => typeof t === 'string' && /^[A-Za-z0-9_.:+-]+$/.test(t));
      if (w.tags !== undefined) {
        if (!tagList(w.tags)) bad('tags', 'must be a list of tags');
        else cfg.worker.tags = w.tags as string[];
      }
      if (w.extra_tags !== undefined) {
        if (!tagList(w.extra_tags)) bad('extra_tags', 'must be a list of tags');
        else cfg.worker.extraTags = w.extra_tags as string[];
      }
      if (w.slots !== undefined) {
        if (typeof w.slots !== 'number' || !Number.isInteger(w.slots) || w.slots < 0 || w.slots > 1024) bad('slots', 'must be a whole number from 0 to 1024');
        else cfg.worker.slots = w.slots;
      }
    }
  }
  if (errors.length) throw new ConfigError(errors);
  return cfg;
}
