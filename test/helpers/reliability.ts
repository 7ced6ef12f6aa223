// Shared by the reliability scenarios: sizes (a longer soak with BLANKET_SOAK=1),
// a ledger of task process groups checked against /proc, kill -9 of this home's
// daemon, a side-effect log every task appends its id to, and reading every
// task from the store.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Client } from '../../src/client/client.js';
import type { Task } from '../../src/protocol/model.js';
import { groupMembers } from '../../src/os/proc.js';
import { waitFor, type TestHome } from './home.js';

export const SOAK = process.env.BLANKET_SOAK === '1';
/** The default size, or the soak size with BLANKET_SOAK=1. */
export const scale = (normal: number, soak: number): number => (SOAK ? soak : normal);

interface TapLike {
  teardown(fn: () => unknown): void;
}

/** Whether `pid` runs with BLANKET_HOME=home (a process of this test, not a reused pid). */
export function ofHome(pid: number, home: string): boolean {
  try {
    return readFileSync(`/proc/${pid}/environ`, 'utf8').includes(`BLANKET_HOME=${home}\0`);
  } catch {
    return false;
  }
}

/** Live members of a process group that belong to this home. */
export function liveMembers(pgid: number, home: string): number[] {
  return groupMembers(pgid)
    .map((m) => m.pid)
    .filter((p) => ofHome(p, home));
}

/**
 * The process groups of every task attempt seen. Make it before the TestHome: teardowns run
 * last-registered first, so its check runs after the home has stopped its daemon.
 */
export class GroupLedger {
  readonly pgids = new Set<number>();
  home = '';

  constructor(t: TapLike) {
    t.teardown(() => this.verifyDead());
  }

  note(tasks: Iterable<Task>): void {
    for (const task of tasks) {
      if (task.pgid !== undefined) this.pgids.add(task.pgid);
      for (const a of task.attempts) if (a.pid !== undefined) this.pgids.add(a.pid); // a task leads its own group
    }
  }

  alive(): number[] {
    return [...this.pgids].filter((g) => liveMembers(g, this.home).length > 0);
  }

  /** Teardown: throws (which fails the test) if a recorded group still has a live process of this home. */
  async verifyDead(): Promise<void> {
    if (!this.home) return;
    try {
      await waitFor('every recorded task process group to be gone', () => this.alive().length === 0, 15_000);
    } catch {
      const left = this.alive();
      for (const g of left) for (const p of liveMembers(g, this.home)) process.kill(p, 'SIGKILL');
      throw new Error(`task process groups still alive at teardown: ${left.join(', ')}`);
    }
  }
}

/** Gone, or a zombie: it has exited either way. */
export function exited(pid: number): boolean {
  try {
    return /^\d+ \(.*\) [ZX]/s.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return true;
  }
}

function isDaemonOf(pid: number, home: string): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('daemon/main.js') && ofHome(pid, home);
  } catch {
    return false;
  }
}

/** kill -9 this home's daemon (checked by its command line and environment, never a reused pid); resolves once it is gone. */
export async function killDaemon9(h: TestHome): Promise<number | undefined> {
  const pid = h.daemonPid();
  if (pid === undefined || !isDaemonOf(pid, h.dir)) return undefined;
  process.kill(pid, 'SIGKILL');
  await waitFor(`daemon ${pid} to die`, () => exited(pid), 10_000);
  return pid;
}

/** A task type that appends its id to `ran.log` in the home (once per attempt), then runs `rest`. */
export function appendingType(rest: string, extra = ''): string {
  return `command = '''\nprintf '%s\\n' "$BLANKET_APP_TASK_ID" >> "$BLANKET_APP_RESULTS_DIRECTORY/../ran.log"\n${rest}\n'''\n${extra}`;
}

/** How often each id appears in ran.log. */
export function ranCounts(h: TestHome): Map<string, number> {
  const file = path.join(h.dir, 'ran.log');
  const counts = new Map<string, number>();
  if (!existsSync(file)) return counts;
  for (const id of readFileSync(file, 'utf8').split('\n').filter(Boolean)) counts.set(id, (counts.get(id) ?? 0) + 1);
  return counts;
}

/** Every task in the store, through db.dump (pages of 1000). */
export async function allTasks(c: Client): Promise<Task[]> {
  const out: Task[] = [];
  for (let after: string | undefined; ;) {
    const page = await c.call('db.dump', { kind: 'task', limit: 1000, ...(after !== undefined ? { after } : {}) });
    out.push(...(page.records as Task[]));
    if (page.next === undefined) return out;
    after = page.next;
  }
}

export function rssOf(pid: number): number {
  return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) * 1024;
}

export function fdsOf(pid: number): number {
  return readdirSync(`/proc/${pid}/fd`).length;
}
