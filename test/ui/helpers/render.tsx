// Render an Ink tree on a terminal of a chosen size, as ink-testing-library
// does at its fixed 100 columns, with resize and a frame wait.
import { EventEmitter } from 'node:events';
import { render } from 'ink';
import type { ReactElement } from 'react';

class SizedStdout extends EventEmitter {
  frames: string[] = [];
  isTTY = true;
  constructor(
    public columns: number,
    public rows: number,
  ) {
    super();
  }
  write = (frame: string) => {
    this.frames.push(frame);
    return true;
  };
}

class FakeStdin extends EventEmitter {
  isTTY = true;
  private data: string | null = null;
  write = (data: string) => {
    this.data = data;
    this.emit('readable');
    this.emit('data', data);
  };
  read = () => {
    const d = this.data;
    this.data = null;
    return d;
  };
  setEncoding() {}
  setRawMode() {}
  resume() {}
  pause() {}
  ref() {}
  unref() {}
}

export const KEY = {
  up: '\u001B[A',
  down: '\u001B[B',
  enter: '\r',
  escape: '\u001B',
  tab: '\t',
  backspace: '\u007F',
  ctrlC: '\u0003',
};

export function renderAt(tree: ReactElement, columns = 80, rows = 24) {
  const stdout = new SizedStdout(columns, rows);
  const stdin = new FakeStdin();
  const stderr = new SizedStdout(columns, rows);
  const app = render(tree, {
    stdout: stdout as unknown as NodeJS.WriteStream,
    stdin: stdin as unknown as NodeJS.ReadStream,
    stderr: stderr as unknown as NodeJS.WriteStream,
    debug: true,
    exitOnCtrlC: false,
    patchConsole: false,
  });
  const lastFrame = () => stdout.frames[stdout.frames.length - 1] ?? '';
  return {
    app,
    stdout,
    stdin,
    lastFrame,
    frames: stdout.frames,
    /** Press keys one at a time, letting Ink read each. */
    async press(...keys: string[]) {
      for (const k of keys) {
        stdin.write(k);
        await tick();
      }
    },
    resize(c: number, r: number) {
      stdout.columns = c;
      stdout.rows = r;
      stdout.emit('resize');
    },
    /** Wait (bounded) until the last frame satisfies `test`; returns it. */
    async frame(test: RegExp | ((f: string) => boolean), timeoutMs = 5000): Promise<string> {
      const ok = (f: string) => (typeof test === 'function' ? test(f) : test.test(f));
      const deadline = Date.now() + timeoutMs;
      while (!ok(lastFrame())) {
        if (Date.now() > deadline) throw new Error(`no frame matched ${String(test)} within ${timeoutMs}ms; last frame:\n${lastFrame()}`);
        await tick(5);
      }
      return lastFrame();
    },
  };
}

export function tick(ms = 0): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
