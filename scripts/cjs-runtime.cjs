// Copied to dist/cjs/_runtime.cjs by scripts/cjs-twins.js: what the CommonJS twins of the
// CLI's modules share. `fast()` is bin/run.js's way in; the rest is used by the twins.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { fileURLToPath, pathToFileURL } = require('node:url');

const CJS = __dirname;
const DIST = path.dirname(CJS);
let manifest;
const esmPackages = new Map();

const twin = (k) => CJS + path.sep + k.slice(0, -3) + '.cjs';

/** The URL of the ESM module a twin was made from (what its import.meta.url was). */
exports.urlOf = (k) => pathToFileURL(path.join(DIST, k)).href;

/** An ESM-only package a twin imports, imported (by preload) before the twin runs. */
exports.esm = (spec) => {
  const ns = esmPackages.get(spec);
  if (!ns) throw new Error(`blanket: ${spec} was not imported before use (rebuild with npm run build)`);
  return ns;
};

async function preload(k, seen) {
  if (seen.has(k)) return;
  seen.add(k);
  const entry = manifest[k];
  if (!entry) return;
  for (const spec of entry[2]) {
    if (!esmPackages.has(spec)) esmPackages.set(spec, Object.assign({ __esModule: true }, await import(spec))); // all twins share one node_modules
  }
  for (const d of entry[1]) await preload(d, seen);
}

/** import() as seen from twin `from`: our modules load as twins, anything else as Node would. */
exports.importer = (from) => async (spec) => {
  const s = String(spec);
  let k;
  if (s.startsWith('.')) k = path.posix.normalize(path.posix.join(path.posix.dirname(from), s));
  else if (s.startsWith('file:') || path.isAbsolute(s)) {
    const rel = path.relative(DIST, s.startsWith('file:') ? fileURLToPath(s) : s);
    if (!rel.startsWith('..') && !path.isAbsolute(rel)) k = rel.split(path.sep).join('/');
  }
  if (k !== undefined && manifest[k]) {
    await preload(k, new Set());
    return require(twin(k));
  }
  return import(s.startsWith('.') ? new URL(s, exports.urlOf(from)).href : s);
};

/**
 * The fast path (cli/fast.js) as its CommonJS twin, or undefined when any module was rebuilt
 * since its twin was made (then the ESM modules are what is current).
 */
exports.fast = async () => {
  const file = path.join(CJS, '_manifest.json');
  let stamp;
  try {
    stamp = fs.statSync(file).mtimeMs;
    manifest = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
  // A module written after its twin (tsc alone, tsc --watch) or of another size is newer than it.
  // Not an exact mtime match: npm sets every installed file's mtime to one fixed date.
  const prefix = DIST + path.sep; // no path.join: its normalising, 165 times, costs more than the stat calls
  for (const k in manifest) {
    const st = fs.statSync(prefix + k, { throwIfNoEntry: false });
    if (st === undefined || st.size !== manifest[k][0] || st.mtimeMs > stamp) return undefined;
  }
  await preload('cli/fast.js', new Set());
  return require(twin('cli/fast.js'));
};
