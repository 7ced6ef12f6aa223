// Find a program on PATH without spawning anything.
import { accessSync, constants, statSync } from 'node:fs';
import path from 'node:path';

/** `which`, remembered for a few seconds: a batch of thousands of submits asks the same question. */
const recent = new Map<string, { at: number; found: string | undefined }>();
export function whichCached(program: string, now = Date.now()): string | undefined {
  const hit = recent.get(program);
  if (hit && now - hit.at < 5_000) return hit.found;
  const found = which(program);
  recent.set(program, { at: now, found });
  return found;
}

export function which(program: string, envPath = process.env.PATH ?? ''): string | undefined {
  const exts = process.platform === 'win32' ? (process.env.PATHEXT ?? '.EXE;.CMD;.BAT').split(';') : [''];
  const candidates =
    program.includes('/') || program.includes('\\')
      ? [program]
      : envPath
          .split(path.delimiter)
          .filter(Boolean)
          .map((d) => path.join(d, program));
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
