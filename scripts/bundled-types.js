// Writes dist/task-types.json: each bundled task type (task-types/*.toml) as its text and its
// parsed TOML document, so the daemon need not load the TOML parser for them
// (src/daemon/types/bundled.ts). Each is checked as the daemon checks a type file; a broken one,
// or one whose document JSON would change (a TOML date), fails the build.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import TOML from '@iarna/toml';
import { parseTypeFile } from '../dist/core/tasktype.js';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const dir = path.join(root, 'task-types');
const files = {};
let failed = false;
for (const f of readdirSync(dir)
  .filter((f) => f.endsWith('.toml'))
  .sort()) {
  const file = path.join(dir, f);
  const text = readFileSync(file, 'utf8');
  try {
    parseTypeFile(path.basename(f, '.toml'), file, text);
  } catch (err) {
    console.error(err.message);
    failed = true;
    continue;
  }
  const doc = TOML.parse(text);
  if (hasNonJson(doc)) {
    console.error(`${file}: has a value JSON cannot hold (a date or time); the bundled types must not`);
    failed = true;
    continue;
  }
  files[f] = { text, doc };
}
if (failed) process.exit(1);
writeFileSync(path.join(root, 'dist', 'task-types.json'), JSON.stringify({ files }) + '\n');
console.log(`dist/task-types.json: ${Object.keys(files).length} bundled task types`);

/** A value JSON.stringify would change: anything but strings, finite numbers, booleans, arrays and tables. */
function hasNonJson(v) {
  if (typeof v === 'string' || typeof v === 'boolean') return false;
  if (typeof v === 'number') return !Number.isFinite(v);
  if (Array.isArray(v)) return v.some(hasNonJson);
  if (typeof v === 'object' && v !== null && !(v instanceof Date)) return Object.values(v).some(hasNonJson);
  return true;
}
