// Events counted into one-second buckets, for the finished-per-second sparkline.

export const RATE_BUCKETS = 60;

export interface Rate {
  /** Start of the last (current) bucket, epoch ms, on a whole second. */
  start: number;
  /** Oldest first; the last is the current, still-filling second. */
  buckets: number[];
}

export function emptyRate(now: number): Rate {
  return { start: Math.floor(now / 1000) * 1000, buckets: [0] };
}

/** Move the current bucket up to `now`, adding empty seconds for the gap. */
export function roll(rate: Rate, now: number): Rate {
  const second = Math.floor(now / 1000) * 1000;
  if (second <= rate.start) return rate;
  const gap = Math.min(RATE_BUCKETS, (second - rate.start) / 1000);
  const buckets = rate.buckets.concat(new Array<number>(gap).fill(0)).slice(-RATE_BUCKETS);
  return { start: second, buckets };
}

export function count(rate: Rate, now: number, n = 1): Rate {
  const r = roll(rate, now);
  const buckets = r.buckets.slice();
  buckets[buckets.length - 1] = (buckets[buckets.length - 1] ?? 0) + n;
  return { start: r.start, buckets };
}

/** The last complete second's count (the current one is still filling). */
export function lastRate(rate: Rate): number {
  return rate.buckets.length >= 2 ? rate.buckets[rate.buckets.length - 2]! : 0;
}
