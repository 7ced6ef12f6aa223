// Validation: a parsed config.toml document (with environment overrides merged in) checked
// key by key into a Config; every problem is reported through `bad(key, message)`.
import path from 'node:path';
import { parseDuration } from '../duration.js';
import { weightProblem } from '../dispatch.js';
import { checkHookTemplate, HOOK_NAMES } from '../hooks.js';
import { LOG_LEVELS, type LogLevel } from '../logline.js';
import { DEFAULT_CONFIG, type Config } from './model.js';
import { checkStoreUrl } from './store-url.js';
import { buildArchive } from './archive.js';

export type Bad = (key: string, message: string) => void;

/** Top-level keys config.toml may hold; the tables without options yet are reserved for features to come. */
const KNOWN_TOP = [
  'types_paths',
  'max_message_bytes',
  'sync_writes',
  'kill_grace',
  'max_output_bytes',
  'worker',
  'schedule',
  'hooks',
  'metrics',
  'backup',
  'log',
  'store',
  'labels',
  'archive',
  'retention',
];
const KNOWN_WORKER = ['tags', 'extra_tags', 'slots'];
const KNOWN_IN: Record<string, string[]> = {
  log: ['max_size', 'keep', 'level'],
  hooks: [...HOOK_NAMES, 'timeout'],
  metrics: ['listen', 'sample_interval', 'history'],
  store: ['url', 'host', 'lease', 'listen', 'peer_token', 'peer_token_file'],
};
const KNOWN_BACKUP = ['interval', 'dir', 'keep'];

const SIZE = /^(\d+(?:\.\d+)?)\s*(b|kib|kb|mib|mb|gib|gb)?$/i;
const SIZE_UNITS: Record<string, number> = { b: 1, kb: 1e3, kib: 1024, mb: 1e6, mib: 1024 ** 2, gb: 1e9, gib: 1024 ** 3 };

export function parseSize(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isInteger(v) && v > 0) return v;
  if (typeof v !== 'string') return undefined;
  const m = SIZE.exec(v.trim());
  return m ? Math.round(parseFloat(m[1]!) * SIZE_UNITS[(m[2] ?? 'b').toLowerCase()]!) : undefined;
}

export function lookup(doc: Record<string, unknown>, dotted: string): unknown {
  let v: unknown = doc;
  for (const part of dotted.split('.')) {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return undefined;
    v = (v as Record<string, unknown>)[part];
  }
  return v;
}

export function buildConfig(doc: Record<string, unknown>, bad: Bad): Config {
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
  const store = tableOf(doc, 'store', bad);
  if (store?.url !== undefined) {
    const problem =
      typeof store.url === 'string' ? (store.url === '' ? undefined : checkStoreUrl(store.url)) : 'must be a string such as "postgresql://user:password@host:5432/blanket"';
    if (problem) bad('store.url', problem);
    else if (store.url !== '') cfg.store.url = store.url as string;
  }
  if (store?.host !== undefined) {
    if (typeof store.host !== 'string' || !/^[A-Za-z0-9._:/@-]{1,200}$/.test(store.host))
      bad('store.host', 'must be a name of 1 to 200 letters, digits and . _ : / @ - such as "build-3"');
    else cfg.store.host = store.host;
  }
  if (store?.lease !== undefined) {
    const ms = durationOf(store.lease);
    if (ms === undefined || ms < 3000 || ms > 3_600_000) bad('store.lease', 'must be a duration from 3s to 1h, such as "15s"');
    else cfg.store.leaseMs = ms;
  }
  if (store?.listen !== undefined) {
    const m = typeof store.listen === 'string' ? /^(.+):(\d{1,5})$/.exec(store.listen) : null;
    if (!m || Number(m[2]) > 65535 || /[\s/]/.test(m[1]!)) bad('store.listen', 'must be an address and a port, such as "0.0.0.0:0" (any port) or "10.0.0.5:7411"');
    else cfg.store.listen = store.listen as string;
  }
  if (store?.peer_token !== undefined) {
    if (typeof store.peer_token !== 'string' || (store.peer_token !== '' && store.peer_token.length < 16))
      bad('store.peer_token', 'must be a secret of at least 16 characters, the same on every host (e.g. from `openssl rand -hex 24`); empty: serve no output to peers');
    else if (store.peer_token !== '') cfg.store.peerToken = store.peer_token;
  }
  if (store?.peer_token_file !== undefined) {
    if (typeof store.peer_token_file !== 'string' || !path.isAbsolute(store.peer_token_file))
      bad('store.peer_token_file', 'must be the absolute path of a file (mode 0600) holding the shared secret');
    else if (cfg.store.peerToken !== undefined) bad('store.peer_token_file', 'is set, and so is store.peer_token (or BLANKET_PEER_TOKEN): keep one of them');
    else cfg.store.peerTokenFile = store.peer_token_file;
  }
  buildLabels(doc, cfg, bad);
  buildArchive(doc, cfg, bad);
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

/** [labels.NAME] weight = N: each label's fair share among tasks of equal priority. */
function buildLabels(doc: Record<string, unknown>, cfg: Config, bad: Bad): void {
  const isTable = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  if (doc.labels === undefined) return;
  if (!isTable(doc.labels)) return bad('labels', 'must be tables of labels: [labels.NAME] with weight = N');
  for (const [name, v] of Object.entries(doc.labels)) {
    if (!isTable(v)) {
      bad(`labels.${name}`, `must be a table: [labels.${JSON.stringify(name)}] with weight = N`);
      continue;
    }
    for (const k of Object.keys(v)) if (k !== 'weight') bad(`labels.${name}.${k}`, 'unknown option (known in [labels.NAME]: weight)');
    if (v.weight === undefined) continue;
    const problem = weightProblem(v.weight);
    if (problem) bad(`labels.${name}.weight`, problem);
    else cfg.labels[name] = { weight: v.weight as number };
  }
}

/** A table of config.toml as an object, or undefined (and an error) when it is not a table. */
function tableOf(doc: Record<string, unknown>, name: string, bad: Bad): Record<string, unknown> | undefined {
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
function buildObservability(doc: Record<string, unknown>, cfg: Config, bad: Bad): void {
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
