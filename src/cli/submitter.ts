// Where the submitting CLI is: the working directory an ad-hoc task (or a --cwd) is read from.
import path from 'node:path';
import { usage } from './errors.js';

/** `dir` (default "."), absolute, read from this process's working directory. */
export function submitterCwd(dir: string | undefined): string {
  let here: string;
  try {
    here = process.cwd();
  } catch {
    if (dir !== undefined && path.isAbsolute(dir)) return path.resolve(dir);
    throw usage('the current directory no longer exists', 'cd to an existing directory, or give an absolute --cwd');
  }
  return path.resolve(here, dir ?? '.');
}
