// One at a time per key: what a worker does for one task's reports (started before finished),
// and what the daemon does for one worker's claims.

/** Runs functions one at a time per key, in call order; a key is forgotten when its queue empties. */
export class KeyedSerial {
  private tails = new Map<string, Promise<void>>();

  run<T>(key: string, f: () => Promise<T>): Promise<T> {
    const next = (this.tails.get(key) ?? Promise.resolve()).then(f, f);
    const tail = next.then(
      () => {},
      () => {},
    );
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return next;
  }

  /** Keys with work queued or running. */
  get size(): number {
    return this.tails.size;
  }
}
