// `stats --format checkmk`: a Checkmk local check (one line per service:
// `STATUS SERVICE METRICS TEXT`, status 0 OK, 1 WARN, 2 CRIT, 3 UNKNOWN; metrics `name=value;warn;crit`
// joined by `|`, or `-` for none). Service names have no spaces, so every Checkmk version reads them.
import type { StatsResult } from '../../protocol/methods.js';
import { formatDuration } from '../../core/duration.js';

export interface CheckmkThresholds {
  /** Queue age (ms) of the longest-runnable task. */
  age: { warn: number; crit: number };
  /** Tasks that ended ERROR, TIMEDOUT or LOST in the last hour. */
  failures: { warn: number; crit: number };
  /** Workers in state lost. */
  lost: { warn: number; crit: number };
}

export const CHECKMK_DEFAULTS: CheckmkThresholds = {
  age: { warn: 15 * 60_000, crit: 60 * 60_000 },
  failures: { warn: 1, crit: 10 },
  lost: { warn: 1, crit: 1 },
};

export const CHECKMK_SERVICES = ['blanket_daemon', 'blanket_queue', 'blanket_failures', 'blanket_workers'] as const;

const WORDS = ['OK', 'WARN', 'CRIT', 'UNKNOWN'] as const;

function level(value: number, t: { warn: number; crit: number }): 0 | 1 | 2 {
  return value >= t.crit ? 2 : value >= t.warn ? 1 : 0;
}

function line(status: 0 | 1 | 2 | 3, service: string, metrics: string, text: string): string {
  // A line break or a pipe would start another line or the long output: keep one line.
  return `${status} ${service} ${metrics || '-'} ${WORDS[status]} - ${text.replace(/\s*[\r\n|]+\s*/g, ' ')}`;
}

/** The daemon answered: one line per service. */
export function renderCheckmk(s: StatsResult, th: CheckmkThresholds): string {
  const out: string[] = [];
  const lag = s.daemon.eventLoopLag;
  out.push(
    line(
      0,
      'blanket_daemon',
      `uptime=${Math.round(s.daemon.uptime / 1000)}`,
      `daemon ${s.version} running, pid ${s.daemon.pid}, up ${formatDuration(s.daemon.uptime)}, event loop lag ${lag} ms`,
    ),
  );

  const h = s.health ?? { failedLastHour: 0, capped: false };
  const ageMs = h.oldestRunnableSince !== undefined ? Math.max(0, s.at - h.oldestRunnableSince) : 0;
  const waiting = s.counts.WAITING;
  out.push(
    line(
      level(ageMs, th.age),
      'blanket_queue',
      `age=${Math.round(ageMs / 1000)};${Math.round(th.age.warn / 1000)};${Math.round(th.age.crit / 1000)}|waiting=${waiting}|running=${s.counts.RUNNING + s.counts.CLAIMED}`,
      h.oldestRunnableSince !== undefined
        ? `the longest-runnable task has waited ${formatDuration(ageMs)} (warn at ${formatDuration(th.age.warn)}, crit at ${formatDuration(th.age.crit)}); ${waiting} waiting`
        : `no runnable task waits; ${waiting} waiting (delayed or on dependencies)`,
    ),
  );

  const f = h.failedLastHour;
  out.push(
    line(
      level(f, th.failures),
      'blanket_failures',
      `failures=${f};${th.failures.warn};${th.failures.crit}`,
      `${h.capped ? 'at least ' : ''}${f} task${f === 1 ? '' : 's'} ended ERROR, TIMEDOUT or LOST in the last hour (warn at ${th.failures.warn}, crit at ${th.failures.crit})`,
    ),
  );

  const lost = s.workers.filter((w) => w.state === 'lost');
  const live = s.workers.filter((w) => w.state === 'running' || w.state === 'paused');
  out.push(
    line(
      level(lost.length, th.lost),
      'blanket_workers',
      `lost=${lost.length};${th.lost.warn};${th.lost.crit}|workers=${live.length}`,
      `${live.length} worker${live.length === 1 ? '' : 's'} up${lost.length ? `, lost: ${lost.map((w) => w.id).join(', ')}` : ', none lost'} (warn at ${th.lost.warn}, crit at ${th.lost.crit})`,
    ),
  );
  return out.join('\n') + '\n';
}

/** The daemon did not answer: CRIT for it, UNKNOWN for what only it can tell. */
export function renderCheckmkDown(reason: string): string {
  const rest = CHECKMK_SERVICES.slice(1).map((s) => line(3, s, '', 'the blanket daemon is not running'));
  return [line(2, 'blanket_daemon', '', `the blanket daemon is not running: ${reason}`), ...rest].join('\n') + '\n';
}
