// A callback handed out before its receivers exist, for the genuine cycles of the daemon's
// wiring: the worker registry reports a loss that the engine and the supervisor (made after
// it, from it) act on; `daemon.stop` reaches a server built from the daemon.
export class Relay<A extends unknown[]> {
  private readonly fns: ((...args: A) => void)[] = [];

  on(fn: (...args: A) => void): void {
    this.fns.push(fn);
  }

  emit(...args: A): void {
    for (const fn of this.fns) fn(...args);
  }
}
