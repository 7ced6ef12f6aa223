// The fast start-up path: find the command's spec module by its id, parse
// argv with the spec, run it — without loading oclif. Anything it does not
// handle (help, unknown commands or flags, bad values) goes to oclif instead,
// which prints the proper message.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgv } from './argv.js';
import type { CommandSpec } from './spec.js';

const COMMANDS = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'commands');

/** The command id and its module for the words at the start of argv (two-word topics first). */
export function resolveCommand(argv: string[]): { id: string; file: string; rest: string[] } | undefined {
  for (const n of [2, 1]) {
    const words = argv.slice(0, n);
    if (words.length < n || words.some((w) => !/^[a-z][a-z-]*$/.test(w))) continue;
    const file = path.join(COMMANDS, ...words) + '.js';
    if (existsSync(file)) return { id: words.join(' '), file, rest: argv.slice(n) };
  }
  return undefined;
}

/** Run the command if the fast path can; false means "let oclif do it". */
export async function tryRun(argv: string[]): Promise<boolean> {
  if (process.env.BLANKET_NO_FAST_PATH) return false;
  const found = resolveCommand(argv);
  if (!found) return false;
  const spec = (await import(found.file)).default as CommandSpec;
  const parsed = parseArgv(spec, found.rest);
  if (!parsed) return false;
  const { execute } = await import('./execute.js');
  await execute(found.id, spec, parsed);
  return true;
}
