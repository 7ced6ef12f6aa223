// How the CLI reports a failure: a message, a hint, a stable code, an exit code.
import { BlanketError } from '../protocol/errors.js';

export const EXIT = { ok: 0, failure: 1, usage: 2, unavailable: 3, removed: 4, internal: 70 } as const;

export function formatError(be: BlanketError): string {
  return `blanket: ${be.message}\n${be.hint ? `  hint: ${be.hint}\n` : ''}  code: ${be.code}\n`;
}

export function exitCodeFor(be: BlanketError): number {
  if (be.code === 'USAGE') return EXIT.usage;
  if (be.code === 'DAEMON_UNAVAILABLE') return EXIT.unavailable;
  if (be.code === 'TASK_REMOVED') return EXIT.removed;
  if (be.code === 'INTERNAL') return EXIT.internal;
  return EXIT.failure;
}

export function usage(message: string, hint?: string): BlanketError {
  return new BlanketError('USAGE', message, { hint: hint ?? 'see --help for usage and examples' });
}

/** A task that wait / run --wait / --follow / logs -f was waiting on was removed (blanket rm): it will never end. */
export function taskRemoved(id: string): BlanketError {
  return new BlanketError('TASK_REMOVED', `task ${id} was removed while waiting`, {
    hint: 'it was removed (blanket rm) before it ended, so it never will; submit it again if it is still needed',
    details: { id },
  });
}

/** Print an error as the user should see it (JSON on stdout with --json) and set the exit code. */
export function reportError(err: unknown, json: boolean): void {
  const be = err instanceof BlanketError ? err : new BlanketError('INTERNAL', `${(err as Error)?.message ?? String(err)} (a bug in blanket)`, { cause: err });
  if (be.code === 'INTERNAL' && process.env.BLANKET_DEBUG) process.stderr.write(`${(err as Error)?.stack ?? err}\n`);
  if (json) process.stdout.write(JSON.stringify({ error: { code: be.code, message: be.message, ...(be.hint ? { hint: be.hint } : {}), ...be.details } }, null, 2) + '\n');
  else process.stderr.write(formatError(be));
  process.exitCode = exitCodeFor(be);
}
