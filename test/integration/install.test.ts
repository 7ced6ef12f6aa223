// `npm pack` makes a package that installs globally (into a temporary prefix)
// and works from any directory: the daemon, the bundled task types, man pages.
// Its dependencies come from the npm registry: skipped, with the reason, when
// the registry cannot be reached.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import t from 'tap';
import { ROOT, testEnv, TestHome } from '../helpers/home.js';

function sh(
  cmd: string,
  args: string[],
  opts: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: opts.cwd ?? ROOT, env: opts.env ?? npmEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** npm as a user runs it: without tap's loaders. */
function npmEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.NODE_OPTIONS;
  for (const k of Object.keys(env)) if (k.startsWith('TAP') || k.startsWith('npm_')) delete env[k];
  return env;
}

const ping = await sh('npm', ['ping'], { timeoutMs: 20_000 });
const unreachable =
  ping.code === 0
    ? false
    : `the npm registry is not reachable (npm ping: ${(ping.stderr.trim().split('\n').pop() ?? '').slice(0, 200) || `exit ${ping.code}`}); the install test needs it for blanket's dependencies`;

t.test('npm pack, npm install -g --prefix, then blanket from anywhere', { timeout: 600_000, skip: unreachable }, async (t) => {
  t.ok(existsSync(path.join(ROOT, 'dist', 'cli', 'fast.js')), 'dist/ is built (npm run build)');
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'bk-inst-'));
  t.teardown(() => rmSync(tmp, { recursive: true, force: true }));
  const packDir = path.join(tmp, 'pack');
  const prefix = path.join(tmp, 'prefix');
  const elsewhere = path.join(tmp, 'elsewhere');
  for (const d of [packDir, prefix, elsewhere]) (await import('node:fs')).mkdirSync(d);

  // dist/ was built by the test run; pack what is there (npm pack alone would build it first, via prepare).
  const pack = await sh('npm', ['pack', '--ignore-scripts', '--pack-destination', packDir], { timeoutMs: 120_000 });
  t.equal(pack.code, 0, pack.stderr);
  const tgz = readdirSync(packDir).find((f) => /^blanket-.*\.tgz$/.test(f));
  t.ok(tgz, 'a blanket-VERSION.tgz');
  if (!tgz) return;

  const install = await sh('npm', ['install', '-g', '--prefix', prefix, '--prefer-offline', '--no-audit', '--no-fund', path.join(packDir, tgz)], {
    cwd: elsewhere,
    timeoutMs: 300_000,
  });
  t.equal(install.code, 0, `npm install -g: ${install.stderr.slice(-2000)}`);
  const bin = path.join(prefix, 'bin', 'blanket');
  t.ok(existsSync(bin), 'bin/blanket installed');
  t.ok(existsSync(path.join(prefix, 'share', 'man', 'man1', 'blanket-run.1')), 'man pages installed (man blanket-run)');
  const pkg = path.join(prefix, 'lib', 'node_modules', 'blanket');
  t.notOk(existsSync(path.join(pkg, 'src')), 'no sources, only dist/');
  t.ok(existsSync(path.join(pkg, 'task-types', 'echo_task.toml')), 'bundled task types');

  const h = new TestHome(t);
  const run = (args: string[]) => sh(bin, args, { cwd: elsewhere, env: testEnv(h.dir) });
  const r = await run(['run', '--wait', '--', 'sh', '-c', 'echo from the package; exit 3']);
  t.equal(r.code, 3, `run --wait exits with the task's code: ${r.stderr}`);
  const echo = await run(['run', 'echo_task', '--wait', '--result', 'stdout.log']);
  t.equal(echo.code, 0, echo.stderr);
  t.match(echo.stdout, /\S/, 'a bundled type ran and its output was printed');
  const status = await run(['daemon', 'status', '--json']);
  t.equal(JSON.parse(status.stdout).home, h.dir);
  t.ok(readdirSync(h.paths.logs).includes('daemon.log'), 'the installed daemon logs');
  const help = await run(['--help']);
  t.match(help.stdout, /stats/, 'help (oclif, from the installed manifest) lists the commands');
  t.equal((await run(['daemon', 'stop'])).code, 0);
});
