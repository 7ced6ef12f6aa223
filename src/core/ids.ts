// Task ids: 8 characters of Crockford base32 (lowercase), sortable by
// creation. The high 30 bits are seconds since 2025-01-01, the low 10 a
// sequence within that second; a burst beyond 1024/s borrows the next
// seconds, so ids stay unique and ordered however fast tasks arrive.

const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';
const EPOCH_S = Date.UTC(2025, 0, 1) / 1000;
const SEQ_BITS = 1024;
export const ID_LENGTH = 8;

export function encodeId(n: number): string {
  let s = '';
  for (let i = 0; i < ID_LENGTH; i++) {
    s = ALPHABET[n % 32] + s;
    n = Math.floor(n / 32);
  }
  return s;
}

export function decodeId(id: string): number {
  let n = 0;
  for (const ch of id) {
    const v = ALPHABET.indexOf(ch);
    if (v < 0) throw new Error(`not an id: ${id}`);
    n = n * 32 + v;
  }
  return n;
}

/** The next id after `last` (or none) at wall-clock `nowMs`. */
export function nextId(last: string | undefined, nowMs: number): string {
  const fromClock = Math.max(0, Math.floor(nowMs / 1000) - EPOCH_S) * SEQ_BITS;
  const fromLast = last ? decodeId(last) + 1 : 0;
  return encodeId(Math.max(fromClock, fromLast));
}

export function isIdLike(s: string): boolean {
  return /^[0-9a-hjkmnp-tv-z]{1,8}$/.test(s);
}
