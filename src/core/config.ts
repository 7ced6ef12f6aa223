// config.toml and BLANKET_* environment overrides: parsed and validated here
// (pure); read by the daemon at start and shown by `blanket config`.
import type { TypeLoadError } from '../protocol/model.js';
import { parseScheduleEntries } from './schedules.js';
import { buildConfig, lookup } from './config/build.js';
import type { Config } from './config/model.js';
import { CONFIG_OPTIONS } from './config/options.js';
import { maskUrl } from './config/store-url.js';
import { tomlParser } from './toml.js';

export * from './config/model.js';
export { CONFIG_OPTIONS, type ConfigOption } from './config/options.js';
export { checkListen, parseSize } from './config/build.js';

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
      doc = tomlParser().parse(fileText) as Record<string, unknown>;
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
    if (s?.from === 'env')
      errors.push({ file: `environment variable ${s.name}`, message: `${key}: ${message} (got "${key === 'store.url' ? maskUrl(env[s.name] ?? '') : env[s.name]}")` });
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
