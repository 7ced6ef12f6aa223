// Find a program on PATH without spawning anything.
import { accessSync, constants, statSync } from 'node:fs';
import path from 'node:path';

export function which(program: string, envPath = process.env.PATH ?? ''): string | undefined {
  const exts = process.platform === 'win32' ? (process.env.PATHEXT ?? '.EXE;.CMD;.BAT').split(';') : [''];
  const candidates = program.includes('/') || program.includes('\\') ? [program] : envPath.split(path.delimiter).filter(Boolean).map((d) => path.join(d, program));
  for (const c of candidates) {
    for (const ext of exts) {
      try {
        accessSync(c + ext, constants.X_OK);
        if (statSync(c + ext).isFile()) return c + ext;
      } catch {
        // not here
      }
    }
  }
  return undefined;
}
