// Mount the dashboard on the terminal and give the terminal back as it was:
// the alternate screen is left and the cursor and input mode restored on q,
// Ctrl-C, SIGTERM/SIGHUP/SIGINT, or a crash.
import { render } from 'ink';
import type { Connector } from './data.js';
import type { Scope } from './state.js';
import { Top } from './Top.js';

export interface RunTopOptions {
  connect: Connector;
  color: boolean;
  scope?: Scope;
  filter?: string;
  stdout?: NodeJS.WriteStream;
  stdin?: NodeJS.ReadStream;
}

const ALT_SCREEN_ON = '\x1b[?1049h\x1b[H';
const ALT_SCREEN_OFF = '\x1b[?1049l';

export async function runTop(opts: RunTopOptions): Promise<void> {
  const stdout = opts.stdout ?? process.stdout;
  const stdin = opts.stdin ?? process.stdin;
  stdout.write(ALT_SCREEN_ON);
  let restored = false;
  const restore = () => {
    if (restored) return;
    restored = true;
    stdout.write(ALT_SCREEN_OFF);
  };
  // Last resort: even an exit nobody planned for leaves the alternate screen.
  process.once('exit', restore);
  const app = render(
    <Top connect={opts.connect} theme={{ color: opts.color }} {...(opts.scope ? { scope: opts.scope } : {})} {...(opts.filter ? { filter: opts.filter } : {})} />,
    {
      stdout,
      stdin,
      // Ctrl-C is a key like q: Top quits through Ink, which restores raw mode and the cursor.
      exitOnCtrlC: false,
      patchConsole: true,
      maxFps: 10,
    },
  );
  const onSignal = () => app.unmount();
  const signals = ['SIGTERM', 'SIGHUP', 'SIGINT'] as const;
  for (const s of signals) process.once(s, onSignal);
  try {
    await app.waitUntilExit();
  } finally {
    for (const s of signals) process.off(s, onSignal);
    process.off('exit', restore);
    restore();
  }
}
