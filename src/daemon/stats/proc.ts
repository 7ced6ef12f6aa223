// What /proc says of processes: resident memory, CPU time, open files, and
// the process groups of running tasks. Linux only; elsewhere every answer is
// undefined (stats then show what Node itself knows).
import { readdirSync, readFileSync } from 'node:fs';
import type { ProcUsage } from '../../protocol/methods.js';

const HAS_PROC = process.platform === 'linux';
/** USER_HZ: clock ticks per second in /proc/PID/stat, 100 on every Linux in use. */
const TICK_MS = 10;

export interface ProcEntry {
  pid: number;
  pgid: number;
  rss: number;
  cpu: number;
}

let pageSize: number | undefined;
/** Bytes per page, from our own resident size in two units (no sysconf in Node). */
function page(): number {
  if (pageSize !== undefined) return pageSize;
  pageSize = 4096;
  try {
    const pages = Number(readFileSync('/proc/self/statm', 'utf8').split(' ')[1]);
    const kb = Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1]);
    if (pages > 0 && kb > 0) pageSize = 2 ** Math.round(Math.log2((kb * 1024) / pages));
  } catch {
    // keep 4096
  }
  return pageSize;
}

function entry(pid: number): ProcEntry | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // After the last ')': state(3) ppid(4) pgrp(5) … utime(14) stime(15) … rss(24).
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (f[0] === 'Z') return undefined;
    return { pid, pgid: Number(f[2]), cpu: (Number(f[11]) + Number(f[12])) * TICK_MS, rss: Number(f[21]) * page() };
  } catch {
    return undefined;
  }
}

export function openFds(pid: number | 'self'): number | undefined {
  if (!HAS_PROC) return undefined;
  try {
    return readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return undefined;
  }
}

/** One process: memory, CPU, open files. */
export function usageOf(pid: number): ProcUsage {
  if (!HAS_PROC) return {};
  const e = entry(pid);
  if (!e) return {};
  const fds = openFds(pid);
  return { rss: e.rss, cpu: e.cpu, ...(fds !== undefined ? { fds } : {}) };
}

/**
 * What the live members of each process group use, summed: one pass over /proc
 * for all the groups asked about.
 */
export function groupUsage(pgids: number[]): Map<number, ProcUsage & { processes: number }> {
  const out = new Map<number, ProcUsage & { processes: number }>();
  if (!HAS_PROC || pgids.length === 0) return out;
  const want = new Set(pgids);
  let names: string[];
  try {
    names = readdirSync('/proc');
  } catch {
    return out;
  }
  for (const d of names) {
    if (!/^\d+$/.test(d)) continue;
    const e = entry(Number(d));
    if (!e || !want.has(e.pgid)) continue;
    const g = out.get(e.pgid) ?? { processes: 0, rss: 0, cpu: 0 };
    g.processes++;
    g.rss! += e.rss;
    g.cpu! += e.cpu;
    out.set(e.pgid, g);
  }
  return out;
}
