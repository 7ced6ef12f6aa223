// Printing the daemon's and workers' own logs: the last lines, then (with -f)
// new ones across rotations, rendered for people or raw (--json).
import type { LogLevel } from '../core/logline.js';
import { lineAtLeast } from '../core/logline.js';
import { followLog, lastLogLines } from '../os/logfiles.js';
import { renderLogLine } from './render/logs.js';

export interface PrintLogOptions {
  lines: number;
  follow: boolean;
  /** Print the stored JSON lines as they are. */
  raw: boolean;
  level?: LogLevel;
}

/** Print the last lines of a log (or `initial`, already read), then follow it until Ctrl-C. */
export async function printLog(file: string, opts: PrintLogOptions, initial?: string[]): Promise<void> {
  const show = (line: string) => process.stdout.write((opts.raw ? line : renderLogLine(line)) + '\n');
  for (const line of initial ?? lastLogLines(file, opts.lines, opts.level)) show(line);
  if (!opts.follow) return;
  // Opened at the end right after the read above (no await between), so no line falls between.
  const f = followLog(file, (line) => lineAtLeast(line, opts.level) && show(line));
  await new Promise<void>((resolve) => {
    const stop = () => {
      f.stop();
      resolve();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}
