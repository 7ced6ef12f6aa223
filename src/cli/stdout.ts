// Writing a stream of output to stdout at the reader's pace: each write waits for the
// reader when the pipe is full, and a reader that went away (EPIPE: `| head`) ends it quietly.

export interface Sink {
  /** Write; resolves false once the reader is gone (nothing more should be produced). */
  write(chunk: Buffer | string): Promise<boolean>;
  readonly gone: boolean;
}

export function stdoutSink(out: NodeJS.WriteStream = process.stdout): Sink {
  let gone = false;
  let wake: (() => void) | undefined;
  out.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE' && err.code !== 'ERR_STREAM_DESTROYED') throw err;
    gone = true;
    wake?.();
  });
  return {
    get gone() {
      return gone;
    },
    async write(chunk) {
      if (gone) return false;
      if (out.write(chunk)) return !gone;
      await new Promise<void>((resolve) => {
        wake = resolve;
        out.once('drain', resolve);
      });
      wake = undefined;
      return !gone;
    },
  };
}
