// Private by default: what blanket keeps (task environments, output, logs,
// backups) is for its user alone. The daemon runs under umask 077 and makes
// its directories 0700; one made by an older blanket, or by hand, with group or
// other bits is tightened at start. Only the top-level directories: a 0700
// directory closes everything below it to others, so a home with 10^5 result
// directories is not walked on every start.
import { chmodSync, existsSync, mkdirSync, statSync } from 'node:fs';

export interface Tightened {
  path: string;
  /** The mode it had, e.g. "755". */
  from: string;
}

/** Make each directory 0700 for its owner (creating it, unless `create` is false): returns those whose mode was looser. */
export function privateDirs(dirs: string[], create = true): Tightened[] {
  const changed: Tightened[] = [];
  for (const dir of [...new Set(dirs)]) {
    if (create) mkdirSync(dir, { recursive: true, mode: 0o700 });
    else if (!existsSync(dir)) continue;
    const mode = statSync(dir).mode & 0o777;
    if ((mode & 0o077) === 0) continue;
    chmodSync(dir, mode & 0o700);
    changed.push({ path: dir, from: mode.toString(8) });
  }
  return changed;
}
