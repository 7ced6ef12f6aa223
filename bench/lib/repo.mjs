// Where the repository and its build are, and a check that the build is there.
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const BIN = path.join(ROOT, 'bin', 'run.js');
export const DIST = path.join(ROOT, 'dist');
export const BENCH = path.join(ROOT, 'bench');
export const CACHE = path.join(BENCH, '.cache');

/** A module of the build, as a file URL for import(). */
export function dist(rel) {
  return new URL(`file://${path.join(DIST, rel)}`).href;
}

function newest(dir, ext) {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) t = Math.max(t, newest(p, ext));
    else if (e.name.endsWith(ext)) t = Math.max(t, statSync(p).mtimeMs);
  }
  return t;
}

/** Throws when dist/ is missing; returns a warning when src/ is newer than dist/. */
export function checkBuild() {
  if (!existsSync(path.join(DIST, 'daemon', 'main.js'))) throw new Error('dist/ is missing: run `npm run build` first');
  const src = newest(path.join(ROOT, 'src'), '.ts');
  const built = newest(DIST, '.js');
  return src > built ? 'src/ has changes newer than dist/: these figures are of the last build (run `npm run build`)' : undefined;
}
