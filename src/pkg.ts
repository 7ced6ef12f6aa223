// Where this package is installed (dist/pkg.js sits one level below the root).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const PACKAGE_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const BUNDLED_TYPES = path.join(PACKAGE_ROOT, 'task-types');
export const DAEMON_ENTRY = path.join(PACKAGE_ROOT, 'dist', 'daemon', 'main.js');

let version: string | undefined;
export function packageVersion(): string {
  version ??= (JSON.parse(readFileSync(path.join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
  return version;
}
