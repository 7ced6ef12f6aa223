// Pure renderers for the daemons of a store (`hosts ls`) and a forget.
import type { HostForgetResult, HostInfo, HostList } from '../../protocol/hosts.js';
import { formatDuration } from '../../core/duration.js';
import { dim, green, red, table, yellow } from '../style.js';

const ago = (ms: number) => `${formatDuration(Math.max(0, ms))} ago`;

/** Lease state with its time: live (runs out in …), expired since …, forgotten … by …. */
function lease(h: HostInfo, now: number): string {
  if (h.lease === 'forgotten') return red('forgotten') + dim(h.forgottenAt !== undefined ? ` ${ago(now - h.forgottenAt)} by ${h.forgottenBy}` : '');
  const left = h.leaseLeftMs ?? 0;
  if (h.lease === 'live') return green('live') + (h.leaseLeftMs !== undefined ? dim(` (${formatDuration(left)} left)`) : '');
  const since = h.leaseUntil !== undefined ? ` since ${new Date(h.leaseUntil).toISOString()}` : '';
  return yellow('expired') + dim(`${since} (${ago(-left)})`);
}

/** Its last renewal, on the store server's clock (now there: leaseUntil - leaseLeftMs). */
function renewed(h: HostInfo): string {
  if (h.renewedAt === undefined || h.leaseUntil === undefined || h.leaseLeftMs === undefined) return '-';
  return ago(h.leaseUntil - h.leaseLeftMs - h.renewedAt);
}

export function renderHosts(r: HostList, now: number): string {
  const rows = [
    ['NAME', 'LEASE', 'RENEWED', 'ADDRESS', 'RUNNING', 'FINISHED'].map(dim),
    ...r.hosts.map((h) => [h.name + (h.self ? dim(' (this daemon)') : ''), lease(h, now), renewed(h), h.address ?? '-', String(h.running), String(h.finished)]),
  ];
  const foot =
    r.store === 'leveldb'
      ? 'a LevelDB store has one host, this daemon (store.url names a PostgreSQL store that daemons on many hosts share)'
      : 'RUNNING: tasks claimed or running there; FINISHED: finished tasks whose output is (or was, if forgotten) in its home';
  return `${table(rows)}\n${dim(foot)}`;
}

export function renderForget(r: HostForgetResult): string {
  const lines = [
    `forgot ${r.forgotten}: its ${r.finished} finished task${r.finished === 1 ? '' : 's'} can now be archived by every daemon (without their output, which stayed on ${r.forgotten})`,
  ];
  if (r.takenOver.length)
    lines.push(`ended ${r.takenOver.length} task${r.takenOver.length === 1 ? '' : 's'} it still held (retried by their retry policy): ${r.takenOver.join(', ')}`);
  return lines.join('\n');
}
