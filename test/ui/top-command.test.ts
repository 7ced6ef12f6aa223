// `blanket top` as a command: refuses without a terminal, and loads Ink and
// React only when it runs (other commands never pay for them). Uses dist/:
// run `npm run build` first (npm test does).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import t from 'tap';
import { BIN, ROOT } from '../helpers/home.js';

const home = mkdtempSync(path.join(os.tmpdir(), 'bt-'));
t.teardown(() => rmSync(home, { recursive: true, force: true }));
const env = { ...process.env, BLANKET_HOME: home, NO_COLOR: '1' };

t.test('refuses with a hint and exit 2 when stdout is not a terminal', async (t) => {
  const r = spawnSync(process.execPath, [BIN, 'top'], { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  t.equal(r.status, 2);
  t.equal(r.stdout, '');
  t.match(r.stderr, /top needs a terminal, and stdout is not one/);
  t.match(r.stderr, /hint: use 'blanket ps --watch'/);
  t.match(r.stderr, /code: USAGE/);
});

t.test('--json is refused too: top has nothing to print', async (t) => {
  const r = spawnSync(process.execPath, [BIN, 'top', '--json'], { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  t.equal(r.status, 2);
  t.match(r.stdout, /"code": "USAGE"/);
});

t.test('importing the command (or any other) does not load Ink or React', async (t) => {
  const hook = `export async function resolve(s, c, next) { if (/^(ink|react)(\\/|$)/.test(s)) throw new Error('loaded ' + s); return next(s, c); }`;
  const script = [
    "import { register } from 'node:module';",
    `register('data:text/javascript,' + encodeURIComponent(${JSON.stringify(hook)}));`,
    `await import(${JSON.stringify(path.join(ROOT, 'dist/commands/top.js'))});`,
    `await import(${JSON.stringify(path.join(ROOT, 'dist/commands/ps.js'))});`,
    "console.log('clean');",
  ].join('\n');
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  t.equal(r.stdout.trim(), 'clean', r.stderr);
});
