// Newline-delimited JSON framing with a size cap enforced while reading:
// a line longer than the cap is never buffered whole.

export const DEFAULT_MAX_MESSAGE = 1024 * 1024;
/** The largest reply or notification line a client reads; the daemon answers REPLY_TOO_LARGE instead of sending a bigger one. */
export const MAX_REPLY_BYTES = 64 * 1024 * 1024;

/** `head`: the first bytes of an oversize line (only with `keepHead`), so a reader can tell whose reply it was. */
export type FrameEvent = { line: string } | { tooLarge: number; head?: string } | { invalidUtf8: true };

/** Refuses what is not UTF-8 instead of turning it into U+FFFD. */
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

export class LineDecoder {
  private parts: Buffer[] = [];
  private size = 0;
  private discarding = false;

  /**
   * `strict`: a line that is not valid UTF-8 is an `invalidUtf8` event, not a line with U+FFFD in it.
   * `keepHead`: this many first bytes of an oversize line come with its `tooLarge` event.
   */
  constructor(
    private readonly maxBytes: number = DEFAULT_MAX_MESSAGE,
    private readonly strict = false,
    private readonly keepHead = 0,
  ) {}

  /** Feed a chunk; returns complete lines, and a tooLarge marker once per oversize line. */
  push(chunk: Buffer): FrameEvent[] {
    const out: FrameEvent[] = [];
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(10, start);
      const end = nl === -1 ? chunk.length : nl;
      const piece = chunk.subarray(start, end);
      if (!this.discarding) {
        if (this.size + piece.length > this.maxBytes) {
          if (this.keepHead > 0) {
            const first = this.parts.length > 0 ? this.parts[0]! : piece; // the head is in the first part unless parts are tiny
            const head = (first.length >= this.keepHead ? first : Buffer.concat([...this.parts, piece])).subarray(0, this.keepHead).toString('utf8');
            out.push({ tooLarge: this.size + piece.length, head });
          } else out.push({ tooLarge: this.size + piece.length });
          this.parts = [];
          this.size = 0;
          this.discarding = true;
        } else if (piece.length > 0) {
          this.parts.push(piece);
          this.size += piece.length;
        }
      }
      if (nl === -1) break;
      if (!this.discarding && this.size > 0) {
        const bytes = this.parts.length === 1 ? this.parts[0]! : Buffer.concat(this.parts, this.size);
        let line: string | undefined;
        if (!this.strict) line = bytes.toString('utf8');
        else {
          try {
            line = strictUtf8.decode(bytes);
          } catch {
            out.push({ invalidUtf8: true });
          }
        }
        if (line !== undefined && line.trim() !== '') out.push({ line });
      }
      this.parts = [];
      this.size = 0;
      this.discarding = false;
      start = nl + 1;
    }
    return out;
  }

  /** Bytes held for an unfinished line. */
  get pending(): number {
    return this.size;
  }
}

export function encode(message: unknown): string {
  return JSON.stringify(message) + '\n';
}
