// Snappy decompression (the raw block format LevelDB uses), only for the
// small index and meta blocks `db check` must read to find the data blocks.

export class SnappyError extends Error {}

function varint32(buf: Uint8Array, pos: number): [number, number] {
  let result = 0;
  for (let shift = 0; shift <= 28; shift += 7) {
    if (pos >= buf.length) throw new SnappyError('truncated length');
    const b = buf[pos++]!;
    result += (b & 0x7f) * 2 ** shift;
    if ((b & 0x80) === 0) return [result, pos];
  }
  throw new SnappyError('bad length');
}

export function uncompress(input: Uint8Array): Buffer {
  const [length, start] = varint32(input, 0);
  if (length > 64 * 1024 * 1024) throw new SnappyError(`implausible length ${length}`);
  const out = Buffer.alloc(length);
  let o = 0;
  let i = start;
  while (i < input.length) {
    const tag = input[i++]!;
    const kind = tag & 3;
    if (kind === 0) {
      let len = tag >>> 2;
      if (len >= 60) {
        const bytes = len - 59;
        if (i + bytes > input.length) throw new SnappyError('truncated literal length');
        len = 0;
        for (let k = 0; k < bytes; k++) len += input[i + k]! * 2 ** (8 * k);
        i += bytes;
      }
      len += 1;
      if (i + len > input.length || o + len > length) throw new SnappyError('literal out of bounds');
      out.set(input.subarray(i, i + len), o);
      i += len;
      o += len;
      continue;
    }
    let len: number;
    let offset: number;
    if (kind === 1) {
      if (i >= input.length) throw new SnappyError('truncated copy');
      len = ((tag >>> 2) & 7) + 4;
      offset = ((tag >>> 5) << 8) | input[i++]!;
    } else if (kind === 2) {
      if (i + 2 > input.length) throw new SnappyError('truncated copy');
      len = (tag >>> 2) + 1;
      offset = input[i]! | (input[i + 1]! << 8);
      i += 2;
    } else {
      if (i + 4 > input.length) throw new SnappyError('truncated copy');
      len = (tag >>> 2) + 1;
      offset = (input[i]! | (input[i + 1]! << 8) | (input[i + 2]! << 16)) + input[i + 3]! * 2 ** 24;
      i += 4;
    }
    if (offset === 0 || offset > o || o + len > length) throw new SnappyError('copy out of bounds');
    for (let k = 0; k < len; k++, o++) out[o] = out[o - offset]!;
  }
  if (o !== length) throw new SnappyError(`uncompressed ${o} bytes, expected ${length}`);
  return out;
}
