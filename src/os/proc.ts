// Process identity and group signalling. A pid is only signalled after its
// start time proves it is still the process we started.
import { readdirSync, readFileSync } from 'node:fs';

const HAS_PROC = process.platform === 'linux';

function statFields(pid: number): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 2 (comm) may contain spaces and parentheses: split after the last ')'.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/** Start time of a process (clock ticks since boot on Linux), or undefined if it is gone or unknowable. */
export function processStartTime(pid: number): number | undefined {
  if (!HAS_PROC) return undefined;
  const f = statFields(pid);
  // After ')': state(3) ppid(4) pgrp(5) … starttime(22) → index 19.
  return f ? Number(f[19]) : undefined;
}

function isZombie(pid: number): boolean {
  return statFields(pid)?.[0] === 'Z';
}

/** Live members of a process group (Linux), with their start times. */
export function groupMembers(pgid: number): Array<{ pid: number; start: number }> {
  if (!HAS_PROC) return [];
  const out: Array<{ pid: number; start: number }> = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    const f = statFields(Number(d));
    if (f && Number(f[2]) === pgid && f[0] !== 'Z') out.push({ pid: Number(d), start: Number(f[19]) });
  }
  return out;
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return !isZombie(pid);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Signal a task's process group, but only if it is still ours: the leader has the
 * recorded start time, or (leader gone) the group's members all started after it.
 * Returns false when nothing was signalled.
 */
export function signalGroup(pgid: number, leaderStart: number | undefined, signal: NodeJS.Signals | number): boolean {
  if (HAS_PROC) {
    if (leaderStart === undefined) return false;
    const leader = processStartTime(pgid);
    if (leader !== undefined && leader !== leaderStart && !isZombie(pgid)) return false;
    const members = groupMembers(pgid);
    if (members.length === 0) return false;
    if (members.some((m) => m.start < leaderStart)) return false;
  }
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false;
  }
}

export function groupAlive(pgid: number): boolean {
  // Cheap first: no group at all is the common case after a task exits.
  try {
    process.kill(-pgid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') return false;
  }
  // Zombies still count for kill(0); only live members matter.
  return HAS_PROC ? groupMembers(pgid).length > 0 : true;
}

/**
 * Process groups whose members carry a task in their environment (Linux): how the daemon finds a
 * task that a vanished worker started but never reported (no pid in the store). The results
 * directory tells this home's task from another home's with the same id.
 */
export function taskGroups(taskId: string, resultsRoot: string): Array<{ pgid: number; leaderStart: number }> {
  if (!HAS_PROC) return [];
  const id = `BLANKET_APP_TASK_ID=${taskId}\0`;
  const root = `BLANKET_APP_RESULTS_DIRECTORY=${resultsRoot}\0`;
  const groups = new Map<number, number>();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    let env: string;
    try {
      env = readFileSync(`/proc/${d}/environ`, 'utf8');
    } catch {
      continue; // gone, or not ours
    }
    if (!(env.startsWith(id) || env.includes(`\0${id}`)) || !(env.startsWith(root) || env.includes(`\0${root}`))) continue;
    const f = statFields(Number(d));
    if (!f || f[0] === 'Z') continue;
    const pgid = Number(f[2]);
    const start = Number(f[19]);
    groups.set(pgid, Math.min(groups.get(pgid) ?? Infinity, start));
  }
  // The leader's own start time when it lives; else the earliest member's (signalGroup accepts members started at or after it).
  return [...groups].map(([pgid, earliest]) => ({ pgid, leaderStart: processStartTime(pgid) ?? earliest }));
}
