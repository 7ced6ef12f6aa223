// The configuration's shape and its defaults.
import { DEFAULT_MAX_MESSAGE } from '../../protocol/framing.js';
import type { HookSet } from '../hooks.js';
import { LOG_LEVELS, type LogLevel } from '../logline.js';
import type { ScheduleEntry } from '../schedules.js';

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

export interface ArchiveConfig {
  /** Archive entries older than this are deleted for good, ms; 0: never. */
  keepMs: number;
}

export interface RetentionConfig {
  /** Archive finished tasks that ended longer ago than this, ms. */
  finishedMs?: number;
  /** Archive the oldest finished tasks beyond this many. */
  finishedCount?: number;
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
  store: StoreConfig;
  /** [labels.NAME]: settings per task label (fair-share weight; see docs/task-types.md). */
  labels: Record<string, { weight: number }>;
  archive: ArchiveConfig;
  retention: RetentionConfig;
}

export interface StoreConfig {
  /** A PostgreSQL URL (store.url / BLANKET_STORE_URL); undefined: LevelDB in the home. */
  url?: string;
  /** This daemon's name among the daemons sharing the PostgreSQL store (store.host); default: the machine's host name and the home. */
  host?: string;
  /** How long a daemon's lease lasts without renewal before peers take its running tasks over (store.lease), ms. */
  leaseMs: number;
  /** Where this daemon serves its tasks' output to peers, TLS (store.listen), "address:port". */
  listen: string;
  /** The secret peers share (store.peer_token / BLANKET_PEER_TOKEN); unset: no listener, no output served to or read from peers. */
  peerToken?: string;
  /** A file holding that secret (store.peer_token_file / BLANKET_PEER_TOKEN_FILE), absolute; the daemon reads it at start into peerToken. */
  peerTokenFile?: string;
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
  store: { leaseMs: 15_000, listen: '0.0.0.0:0' },
  labels: {},
  archive: { keepMs: 30 * 86_400_000 },
  retention: {},
};
