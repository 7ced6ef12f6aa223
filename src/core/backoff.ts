// Retry delays: exponential from the type's retry_backoff, capped, with ±20% jitter.

export const BACKOFF_CAP_MS = 3_600_000;

/** Delay before attempt `next` (2 = the first retry). `random` is in [0, 1). */
export function retryDelay(baseMs: number, next: number, random: number, capMs = BACKOFF_CAP_MS): number {
  if (baseMs <= 0) return 0;
  const exp = Math.min(capMs, baseMs * 2 ** Math.max(0, next - 2));
  return Math.round(exp * (0.8 + 0.4 * random));
}
