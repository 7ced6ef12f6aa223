// The table of settings: each option's config.toml key, environment variable, default and display.
import path from 'node:path';
import { formatDuration } from '../duration.js';
import { HOOK_NAMES } from '../hooks.js';
import { LOG_LEVELS } from '../logline.js';
import { DEFAULT_CONFIG, type Config } from './model.js';
import { maskUrl } from './store-url.js';
import { ARCHIVE_OPTIONS } from './archive.js';

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
  for (const [unit, s] of [
    ['GiB', 1024 ** 3],
    ['MiB', 1024 ** 2],
    ['KiB', 1024],
  ] as const)
    if (n >= s && n % s === 0) return `${n / s} ${unit}`;
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
    description:
      'The largest JSON-RPC message the daemon accepts on its socket; bigger ones are refused before they are buffered. A number of bytes or a size such as "4 MiB"; at least 1 KiB.',
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
    description: 'The most output kept per task and stream (stdout, stderr). A number of bytes or a size such as "100 MiB".',
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
    description: 'Tags added to the local worker\'s detected (or configured) tags, e.g. ["gpu", "site:lab"]. The env var is a list separated by commas or spaces.',
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
  ...HOOK_NAMES.map((h): ConfigOption => ({
    key: `hooks.${h}`,
    env: `BLANKET_HOOKS_${h.toUpperCase()}`,
    description: `A command run (with sh) when any task ${h === 'on_success' ? 'succeeds' : h === 'on_failure' ? 'fails (ERROR, TIMEDOUT, LOST, SKIPPED)' : 'ends, whatever its state'}, after its type's own ${h}. {{ID}}, {{STATE}}, {{EXIT_CODE}}, … insert the task's values as references to variables that hold them, never as code (docs/observability.md lists them).`,
    defaultText: '(none)',
    fromEnv: (t) => t,
    get: (c) => c.hooks.commands[h],
    show: (c) => c.hooks.commands[h] ?? '(none)',
  })),
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
    description:
      'Serve Prometheus metrics over HTTP at this loopback address, e.g. "127.0.0.1:9464" (GET /metrics). Off when empty. Only 127.0.0.1, ::1 and localhost are accepted; port 0 picks a free port (blanket stats shows it).',
    defaultText: '"" (off)',
    fromEnv: (t) => t.trim(),
    get: (c) => c.metrics.listen,
    show: (c) => c.metrics.listen ?? '(off)',
  },
  {
    key: 'metrics.sample_interval',
    env: 'BLANKET_METRICS_SAMPLE_INTERVAL',
    description:
      'How often the daemon writes a sample (task counts, throughput, memory, CPU) into its store, for the history blanket stats shows. A duration, at least 1s; 0 turns sampling off.',
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
    description:
      'Where backups go (scheduled ones, db backup without a path, the copy db repair makes first, and the files of a store kept before a start replays its damaged log). Relative paths are relative to config.toml.',
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
  {
    key: 'store.url',
    env: 'BLANKET_STORE_URL',
    description:
      'Keep the store in PostgreSQL instead of LevelDB in the home: a URL such as "postgresql://user:password@host:5432/blanket" (the database must exist; blanket creates its tables). Empty: LevelDB. Shown with the password masked.',
    defaultText: '"" (LevelDB in the home)',
    fromEnv: (t) => t.trim(),
    get: (c) => (c.store.url === undefined ? undefined : maskUrl(c.store.url)),
    show: (c) => (c.store.url === undefined ? '(LevelDB in the home)' : maskUrl(c.store.url)),
  },
  {
    key: 'store.host',
    env: 'BLANKET_STORE_HOST',
    description:
      "This daemon's name among the daemons that share one PostgreSQL store (its lease row, the tasks its workers hold). Must differ between daemons and stay the same across restarts.",
    defaultText: "the machine's host name and a hash of the home, e.g. build-3:1a2b3c4d",
    fromEnv: (t) => t.trim(),
    get: (c) => c.store.host,
    show: (c) => c.store.host ?? "(the machine's host name and a hash of the home)",
  },
  {
    key: 'store.lease',
    env: 'BLANKET_STORE_LEASE',
    description:
      "With a PostgreSQL store: how long a daemon's lease lasts (renewed every third of it). A daemon silent longer has its claimed and running tasks ended LOST (and retried by their retry policy) by another daemon; one that shares the store and cannot renew for the lease less a fifth stops its own tasks' processes first (self-fencing). A duration from 3s to 1h.",
    defaultText: dur(DEFAULT_CONFIG.store.leaseMs),
    fromEnv: (t) => t,
    get: (c) => c.store.leaseMs,
    show: (c) => dur(c.store.leaseMs),
  },
  {
    key: 'store.listen',
    env: 'BLANKET_STORE_LISTEN',
    description:
      "With a PostgreSQL store and store.peer_token set: the TCP address and port where this daemon serves its tasks' output to the other daemons (TLS). Port 0: any free port. Its address (the one PostgreSQL sees this daemon connect from, when the address is 0.0.0.0 or ::) and certificate fingerprint are recorded in its hosts row.",
    defaultText: '"0.0.0.0:0"',
    fromEnv: (t) => t.trim(),
    get: (c) => c.store.listen,
    show: (c) => c.store.listen,
  },
  {
    key: 'store.peer_token',
    env: 'BLANKET_PEER_TOKEN',
    description:
      "With a PostgreSQL store: a secret (at least 16 characters) shared by every daemon, which they present to each other to read the output of tasks that ran on another host ('blanket logs'). Unset: this daemon neither serves nor reads other hosts' output. Shown masked.",
    defaultText: '(unset)',
    fromEnv: (t) => t.trim(),
    get: (c) => (c.store.peerToken === undefined ? undefined : '********'),
    show: (c) => (c.store.peerToken === undefined ? (c.store.peerTokenFile === undefined ? '(unset: no output served to peers)' : '(from store.peer_token_file)') : '********'),
  },
  {
    key: 'store.peer_token_file',
    env: 'BLANKET_PEER_TOKEN_FILE',
    description:
      'Instead of store.peer_token: the absolute path of a file holding that secret (surrounding white space is ignored), so it need not be in config.toml or the environment. Read when the daemon starts; the file must be owned by the user the daemon runs as and not readable by group or others (chmod 600).',
    defaultText: '(unset)',
    fromEnv: (t) => t.trim(),
    get: (c) => c.store.peerTokenFile,
    show: (c) => c.store.peerTokenFile ?? '(unset)',
  },
  ...ARCHIVE_OPTIONS,
];
