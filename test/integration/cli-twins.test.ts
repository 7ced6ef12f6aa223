// The CLI's fast path runs from the CommonJS twins of its modules (dist/cjs/, made by
// scripts/cjs-twins.js) without Node's ES module loader touching dist/; when the twins are
// missing or older than a module, the ES modules run instead and the CLI still works.
import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import t from 'tap';
import { BIN, ROOT, testEnv, TestHome, type RunResult } from '../helpers/home.js';

function node(args: string[], env: NodeJS.ProcessEnv): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

/** A loader hook that writes every URL the ES module loader loads to LOG. */
function esmLogger(dir: string): string {
  writeFileSync(
    path.join(dir, 'hooks.mjs'),
    "import { appendFileSync } from 'node:fs';\nexport async function load(url, ctx, next) {\n  appendFileSync(process.env.ESM_LOG, url + '\\n');\n  return next(url, ctx);\n}\n",
  );
  writeFileSync(path.join(dir, 'register.mjs'), "import { register } from 'node:module';\nregister('./hooks.mjs', import.meta.url);\n");
  return path.join(dir, 'register.mjs');
}

/** A copy of the built package (times kept), sharing node_modules, to break its twins in. */
function packageCopy(t: { teardown(fn: () => unknown): void }): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bk-pkg-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  for (const f of ['bin', 'dist', 'task-types', 'package.json', 'oclif.manifest.json'])
    cpSync(path.join(ROOT, f), path.join(dir, f), { recursive: true, preserveTimestamps: true });
  symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'));
  return dir;
}

t.test('ps and run -q load none of dist/ through the ES module loader', async (t) => {
  const h = new TestHome(t, { workers: false });
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'bk-esm-'));
  t.teardown(() => rmSync(tmp, { recursive: true, force: true }));
  const register = esmLogger(tmp);
  const log = path.join(tmp, 'esm.log');
  const env = testEnv(h.dir, { ESM_LOG: log });
  t.equal((await h.run(['daemon', 'start'])).code, 0);
  for (const args of [['run', '-q', '--', 'true'], ['ps'], ['ps', '-q', '--state', 'WAITING']]) {
    writeFileSync(log, '');
    const r = await node(['--import', register, BIN, ...args], env);
    t.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
    const fromDist = readFileSync(log, 'utf8')
      .split('\n')
      .filter((u) => u.includes('/dist/'));
    t.same(fromDist, [], `blanket ${args.join(' ')}: no ES module from dist/`);
    if (args[0] === 'run') t.match(r.stdout, /^[0-9a-z]{8}\n$/);
    else if (args[1] === '-q') t.match(r.stdout, /^[0-9a-z]{8}\n$/, 'the queued task, by id');
    else t.match(r.stdout, /Queued \(1\)/);
  }
});

t.test('a module newer than its twin, or no twins at all: the ES modules run, and are current', async (t) => {
  const h = new TestHome(t, { workers: false });
  t.equal((await h.run(['daemon', 'start'])).code, 0);
  const pkg = packageCopy(t);
  const bin = path.join(pkg, 'bin', 'run.js');
  const env = testEnv(h.dir);
  const ok = await node([bin, 'ps'], env);
  t.equal(ok.code, 0, ok.stderr);
  t.match(ok.stdout, /No tasks|Queued|Running|Finished/);

  // A rebuilt module (as `tsc` alone or `tsc --watch` leaves it): newer than the twins.
  const render = path.join(pkg, 'dist', 'cli', 'render', 'task.js');
  const text = readFileSync(render, 'utf8');
  const edited = text.replace('export function renderPs(', 'export function renderPs(...a) { return "FROM-ESM " + renderPsReal(...a); }\nfunction renderPsReal(');
  t.not(edited, text, 'the edit applies');
  writeFileSync(render, edited);
  const future = new Date(Date.now() + 60_000);
  utimesSync(render, future, future);
  const fresh = await node([bin, 'ps'], env);
  t.equal(fresh.code, 0, fresh.stderr);
  t.match(fresh.stdout, /^FROM-ESM /, 'the edited ES module ran, not its stale twin');

  // No twins at all (a build without the step): the ES modules run.
  rmSync(path.join(pkg, 'dist', 'cjs'), { recursive: true, force: true });
  const none = await node([bin, 'ps'], env);
  t.equal(none.code, 0, none.stderr);
  t.match(none.stdout, /^FROM-ESM /);
  const run = await node([bin, 'run', '-q', '--', 'true'], env);
  t.equal(run.code, 0, run.stderr);
  t.match(run.stdout, /^[0-9a-z]{8}\n$/);
});

t.test('a twin that needs an ESM-only package (ink) gets it imported first', async (t) => {
  // `top` loads the dashboard (ink, which cannot be required on Node 20) through import().
  const script = [
    `const rt = require(${JSON.stringify(path.join(ROOT, 'dist', 'cjs', '_runtime.cjs'))});`,
    'rt.fast().then(async (fast) => {',
    "  if (!fast) throw new Error('the twins are not current');",
    "  const ui = await rt.importer('commands/top.js')('../ui/index.js');",
    "  const cjs = Object.keys(require.cache).some((f) => f.endsWith('/dist/cjs/ui/index.cjs'));",
    '  process.stdout.write(JSON.stringify({ runTop: typeof ui.runTop, cjs }));',
    '});',
  ].join('\n');
  const r = await node(['-e', script], testEnv(os.tmpdir()));
  t.equal(r.code, 0, r.stderr);
  t.same(JSON.parse(r.stdout), { runTop: 'function', cjs: true });
});

t.test('the hottest twins run from dist/cjs/_fast.cjs, one file; without it each twin loads from its own', async (t) => {
  const h = new TestHome(t, { workers: false });
  t.equal((await h.run(['daemon', 'start'])).code, 0);
  const pkg = packageCopy(t);
  const bin = path.join(pkg, 'bin', 'run.js');
  const env = testEnv(h.dir);
  // The twin files of ps's path, broken on disk: the bundle holds them, so nothing reads these.
  for (const k of ['cli/fast.cjs', 'commands/ps.cjs', 'commands/run.cjs', 'client/client.cjs'])
    writeFileSync(path.join(pkg, 'dist', 'cjs', k), "throw new Error('FROM-THE-FILE');\n");
  const run = await node([bin, 'run', '-q', '--', 'true'], env);
  t.equal(run.code, 0, run.stderr);
  t.match(run.stdout, /^[0-9a-z]{8}\n$/);
  const ps = await node([bin, 'ps'], env);
  t.equal(ps.code, 0, ps.stderr);
  t.match(ps.stdout, /Queued \(1\)/);
  // No bundle (a build of before it, or removed): _runtime.cjs loads each twin from its file.
  rmSync(path.join(pkg, 'dist', 'cjs', '_fast.cjs'));
  const fromFiles = await node([bin, 'ps'], env);
  t.not(fromFiles.code, 0);
  t.match(fromFiles.stderr, /FROM-THE-FILE/, 'the twin files are what runs without the bundle');
});

t.test('a twin from the bundle and the same twin required from its file are one module', async (t) => {
  // show is not in the bundle: its twin loads from its file and requires bundled ones (errors, spec).
  const cjs = path.join(ROOT, 'dist', 'cjs');
  const script = [
    `const rt = require(${JSON.stringify(path.join(cjs, '_fast.cjs'))});`,
    'rt.fast().then(async (fast) => {',
    "  if (!fast) throw new Error('the twins are not current');",
    "  const imp = rt.importer('cli/fast.js');",
    "  const errors = await imp('../protocol/errors.js');",
    "  const show = await imp('../commands/show.js');",
    `  const fromFile = require(${JSON.stringify(path.join(cjs, 'protocol', 'errors.cjs'))});`,
    `  const showFile = require.cache[${JSON.stringify(path.join(cjs, 'commands', 'show.cjs'))}];`,
    "  const bundled = Object.keys(require.cache).filter((f) => f.includes('/dist/cjs/')).length;",
    '  process.stdout.write(JSON.stringify({ same: errors === fromFile, show: typeof show.default, showFromFile: showFile !== undefined && showFile.exports === show, bundled: bundled > 10 }));',
    '});',
  ].join('\n');
  const r = await node(['-e', script], testEnv(os.tmpdir()));
  t.equal(r.code, 0, r.stderr);
  t.same(JSON.parse(r.stdout), { same: true, show: 'object', showFromFile: true, bundled: true });
});

t.test('ps and run -q -e load neither json-rpc-2.0 (the client does its calls itself) nor the method table', async (t) => {
  const h = new TestHome(t, { workers: false });
  t.equal((await h.run(['daemon', 'start'])).code, 0);
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'bk-mods-'));
  t.teardown(() => rmSync(tmp, { recursive: true, force: true }));
  const preload = path.join(tmp, 'preload.cjs');
  writeFileSync(preload, "process.on('exit', () => require('node:fs').writeFileSync(process.env.MODS_OUT, JSON.stringify(Object.keys(require.cache))));\n");
  for (const args of [['run', '-q', '-e', 'A=1', '--', 'true'], ['ps']]) {
    const out = path.join(tmp, `${args[0]}.json`);
    const r = await node(['--require', preload, BIN, ...args], testEnv(h.dir, { MODS_OUT: out }));
    t.equal(r.code, 0, r.stderr);
    const files = JSON.parse(readFileSync(out, 'utf8')) as string[];
    t.same(
      files.filter((f) => /json-rpc-2\.0\/dist\/(index|server|server-and-client)\.js$/.test(f)),
      [],
      `${args[0]}: no server classes`,
    );
    t.same(
      files.filter((f) => /protocol\/(methods|schema)\.c?js$/.test(f)),
      [],
      `${args[0]}: no method table`,
    );
  }
});
