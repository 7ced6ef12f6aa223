// `blanket top` on a real terminal: a tmux session of a fixed size on its
// own tmux server (its own socket), driven by keys and read by screen
// captures. Teardown kills that server and nothing else.
import { execFileSync, spawnSync } from 'node:child_process';
import { BIN, testEnv, waitFor } from './home.js';

interface TapLike {
  teardown(fn: () => unknown): void;
}

export function tmuxAvailable(): boolean {
  return spawnSync('tmux', ['-V'], { encoding: 'utf8' }).status === 0;
}

/** Printed after top exits, with its exit code: `top exited 0`. */
export const EXITED = 'top exited';
/** Printed before top starts: it must be on screen again after top quits. */
export const BEFORE = 'before top';

export class TmuxTop {
  private readonly socket = `blanket-test-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  private started = false;

  constructor(
    t: TapLike,
    private readonly home: string,
    private readonly opts: { cols?: number; rows?: number; args?: string[] } = {},
  ) {
    t.teardown(() => this.stop());
  }

  private tmux(...args: string[]): string {
    return execFileSync('tmux', ['-L', this.socket, ...args], { encoding: 'utf8' });
  }

  start(): void {
    const env = testEnv(this.home);
    // The colour test in top is its own; here the screen is read as text.
    const vars = ['BLANKET_HOME', 'NO_COLOR', 'PATH', 'HOME'].flatMap((k) => (env[k] !== undefined ? ['-e', `${k}=${env[k]}`] : []));
    const args = (this.opts.args ?? []).map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
    // The shell stays (as a sleep without BLANKET_HOME, so the home's leftover check
    // ignores it) to keep what top left on the screen readable; stop() ends it.
    // (tmux's remain-on-exit would do, but loses the lines above a left alternate screen.)
    const cmd = `echo '${BEFORE}'; '${process.execPath}' '${BIN}' top ${args}; echo "${EXITED} $?"; exec env -u BLANKET_HOME sleep 600`;
    this.tmux('new-session', '-d', '-s', 'top', '-x', String(this.opts.cols ?? 80), '-y', String(this.opts.rows ?? 24), ...vars, cmd);
    this.started = true;
  }

  /** The visible screen, one string. */
  screen(): string {
    return this.tmux('capture-pane', '-p', '-t', 'top');
  }

  /** Keys as tmux names them: 'j', 'Enter', 'Escape', 'C-c', or literal text with literal=true. */
  keys(keys: string[], literal = false): void {
    this.tmux('send-keys', '-t', 'top', ...(literal ? ['-l'] : []), ...keys);
  }

  async waitFor(test: RegExp, timeoutMs = 15_000): Promise<string> {
    try {
      return await waitFor(
        `${test} on the screen`,
        () => {
          const s = this.screen();
          return test.test(s) ? s : undefined;
        },
        timeoutMs,
      );
    } catch (err) {
      throw new Error(`${(err as Error).message}; the screen:\n${this.screen()}`, { cause: err });
    }
  }

  stop(): void {
    if (!this.started) return;
    this.started = false;
    spawnSync('tmux', ['-L', this.socket, 'kill-server']);
  }
}
