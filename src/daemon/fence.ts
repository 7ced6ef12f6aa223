// What a daemon on a shared PostgreSQL store knows of its tasks' processes beyond the store
// (docs/operations.md, "Many hosts"): the tasks it stopped itself when it could not renew its
// lease (self-fencing: their exit reports end them LOST, not as their own end), and the tasks
// whose process a worker has reported ended (so stopping one it no longer holds says whether
// anything was signalled). In memory: a restarted daemon adopts or writes off its tasks as usual.

export interface Fenced {
  /** When it was stopped (ms since the epoch), and the reason its attempt ends with. */
  at: number;
  reason: string;
}

export class FenceBook {
  private fenced = new Map<string, Fenced>();
  private ended = new Set<string>();

  /** This daemon stopped the task's process because it could not renew its lease. */
  fence(id: string, at: number, reason: string): void {
    if (!this.fenced.has(id)) this.fenced.set(id, { at, reason });
  }

  isFenced(id: string): boolean {
    return this.fenced.has(id);
  }

  /**
   * The reason to end an exit report LOST instead of as its own end: the process was killed by
   * the fence (cause `killed`, at or after it). An exit of its own (it ended before the kill
   * reached it) is its real end.
   */
  lostReason(id: string, cause: 'exit' | 'timeout' | 'killed', at: number): string | undefined {
    const f = this.fenced.get(id);
    return f && cause === 'killed' && at >= f.at ? f.reason : undefined;
  }

  /** A worker reported the task's process ended. */
  exited(id: string): void {
    this.ended.add(id);
  }

  hasEnded(id: string): boolean {
    return this.ended.has(id);
  }

  /** The exit report was stored or refused for good: nothing more to remember. */
  settled(id: string): void {
    this.fenced.delete(id);
    this.ended.delete(id);
  }
}
