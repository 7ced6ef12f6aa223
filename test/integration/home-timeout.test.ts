// TestHome stops what it started even when its test file times out (tap kills the file's process
// right after reporting the timeout, before async teardowns run): run a file that hangs with a
// daemon, a worker and a task under `tap --timeout`, then look for what it left.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { processesOf, ROOT, waitFor } from '../helpers/home.js';

t.test('a timed-out test file leaves no daemon, worker or task behind', async (t) => {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'bk-to-'));
  t.teardown(() => rmSync(tmp, { recursive: true, force: true }));
  const file = path.join(tmp, 'home');
  const env: NodeJS.ProcessEnv = { ...process.env, BK_HOME_FILE: file };
  for (const k of Object.keys(env)) if (k.startsWith('TAP') || k === 'NODE_OPTIONS') delete env[k];
  // A project of its own (its .tap/ state apart from the suite's, which runs meanwhile): once, a
  // run inside the suite's project printed nothing within 6 s.
  const project = path.join(tmp, 'project');
  mkdirSync(project);
  writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'bk-timeout', private: true, tap: { 'disable-coverage': true, 'allow-empty-coverage': true } }));
  symlinkSync(path.join(ROOT, 'node_modules'), path.join(project, 'node_modules'));
  const r = spawnSync(process.execPath, [path.join(ROOT, 'node_modules', '.bin', 'tap'), '--timeout=30', '-R', 'tap', path.join(ROOT, 'test', 'fixtures', 'timeout', 'hang.ts')], {
    cwd: project,
    env,
    encoding: 'utf8',
    timeout: 240_000,
  });
  t.match(r.stdout, /timeout/, `the file timed out (exit ${r.status}; stderr: ${r.stderr.slice(0, 500)})`);
  t.ok(existsSync(`${file}.running`), 'its task was running when the file timed out');
  const home = readFileSync(file, 'utf8');
  let left: number[] = [];
  try {
    await waitFor("the home's processes to be gone", () => (left = processesOf(home)).length === 0, 10_000);
    t.pass('nothing left');
  } catch {
    t.fail(`processes left behind in ${home}: ${left.join(', ')}`);
    for (const p of left) {
      try {
        process.kill(p, 'SIGKILL');
      } catch {
        // gone
      }
    }
    rmSync(home, { recursive: true, force: true });
  }
});
