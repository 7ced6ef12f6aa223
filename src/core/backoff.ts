// Retry delays: exponential from the type's retry_backoff, capped, with ±20% jitter.

export const BACKOFF_CAP_MS = 3_600_000;

/** Delay before attempt `next` (2 = the first retry). `random` is in [0, 1). */
export function retryDelay(baseMs: number, next: number, random: number, capMs = BACKOFF_CAP_MS): number {
  if (baseMs <= 0) return 0;
  const exp = Math.min(capMs, baseMs * 2 ** Math.max(0, next - 2));
  return Math.round(exp * (0.8 + 0.4 * random));
}

/**
 * Retrying a timer's work whose writes keep failing (a full disk): the delay doubles from `minMs`
 * to `capMs`, and a failure is worth a log line only once per `logEveryMs`, so a daemon that
 * cannot write neither spins nor floods its log. A success resets it.
 */
export class FailureBackoff {
  private delay = 0;
  private loggedAt: number | undefined;
  private unlogged = 0;
  /** Failures since the last success. */
  failures = 0;

  constructor(
    readonly minMs = 100,
    readonly capMs = 5_000,
    readonly logEveryMs = 60_000,
  ) {}

  get failing(): boolean {
    return this.failures > 0;
  }

  /** The delay before the next try (0 when not failing). */
  get delayMs(): number {
    return this.delay;
  }

  /** A failed try at `now`: the delay before the next, and `log` with how many failures it stands for (itself and those not logged). */
  fail(now: number): { delayMs: number; log: number } {
    this.failures++;
    this.unlogged++;
    this.delay = Math.min(this.capMs, Math.max(this.minMs, this.delay * 2));
    if (this.loggedAt !== undefined && now - this.loggedAt < this.logEveryMs) return { delayMs: this.delay, log: 0 };
    this.loggedAt = now;
    const log = this.unlogged;
    this.unlogged = 0;
    return { delayMs: this.delay, log };
  }

  /** A try went through: back to no delay. Returns how many failures it ends (0: it was not failing). */
  succeed(): number {
    const ended = this.failures;
    this.failures = 0;
    this.delay = 0;
    this.loggedAt = undefined;
    this.unlogged = 0;
    return ended;
  }
}
