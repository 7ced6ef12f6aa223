// CRC-32C (Castagnoli), as LevelDB checksums its log records and table blocks,
// with LevelDB's masking. Slicing by 8: fast enough to check a whole store.

const POLY = 0x82f63b78;
const T = Array.from({ length: 8 }, () => new Uint32Array(256));
for (let i = 0; i < 256; i++) {
  let c = i;
  for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ POLY : c >>> 1;
  T[0]![i] = c >>> 0;
}
for (let i = 0; i < 256; i++) for (let s = 1; s < 8; s++) T[s]![i] = (T[0]![T[s - 1]![i]! & 0xff]! ^ (T[s - 1]![i]! >>> 8)) >>> 0;
const [T0, T1, T2, T3, T4, T5, T6, T7] = T as [Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array];

/** Continue a CRC-32C over `buf[start, end)`. Start with crc = 0. */
export function crc32c(buf: Uint8Array, crc = 0, start = 0, end = buf.length): number {
  let c = ~crc >>> 0;
  let i = start;
  for (; i + 8 <= end; i += 8) {
    c ^= buf[i]! | (buf[i + 1]! << 8) | (buf[i + 2]! << 16) | (buf[i + 3]! << 24);
    c = T7[c & 0xff]! ^ T6[(c >>> 8) & 0xff]! ^ T5[(c >>> 16) & 0xff]! ^ T4[c >>> 24]! ^ T3[buf[i + 4]!]! ^ T2[buf[i + 5]!]! ^ T1[buf[i + 6]!]! ^ T0[buf[i + 7]!]!;
  }
  for (; i < end; i++) c = T0[(c ^ buf[i]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}

const MASK_DELTA = 0xa282ead8;

/** LevelDB stores CRCs masked, so a CRC of data that embeds CRCs stays useful. */
export function mask(crc: number): number {
  return (((crc >>> 15) | (crc << 17)) + MASK_DELTA) >>> 0;
}
