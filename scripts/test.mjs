#!/usr/bin/env node
// Runs the test suite with tap, then prints the ten slowest test files and one closing line
// ("files: N passed, N failed") read from tap's per-file results. Arguments go to tap as they are.
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const results = path.join(root, '.tap', 'test-results');
const started = Date.now();

// The base reporter redraws its progress four times a second: fine on a terminal, megabytes in a CI log; min prints failures only.
const reporter = process.stdout.isTTY ? [] : ['--reporter=min'];
const tap = spawn(path.join(root, 'node_modules', '.bin', 'tap'), [...reporter, ...process.argv.slice(2)], { cwd: root, stdio: 'inherit' });
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => tap.kill(sig));

tap.on('exit', (code, signal) => {
  const files = readResults();
  if (files.length) {
    const slowest = [...files].sort((a, b) => b.ms - a.ms).slice(0, 10);
    console.log('\nslowest test files:');
    for (const f of slowest) console.log(`  ${(f.ms / 1000).toFixed(1).padStart(7)} s  ${f.file}${f.ok ? '' : '  (failed)'}`);
    const failed = files.filter((f) => !f.ok).length;
    console.log(`wall time ${((Date.now() - started) / 1000).toFixed(0)} s`);
    console.log(`files: ${files.length - failed} passed, ${failed} failed`);
  }
  process.exit(code ?? (signal ? 1 : 0));
});

/** This run's per-file results: those tap wrote since it started. */
function readResults() {
  const out = [];
  const walk = (dir) => {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const p = path.join(dir, e.name);
      // test/fixtures: files a test runs under a tap of its own (home-timeout.test.ts), not the suite's.
      if (e.isDirectory()) {
        if (path.relative(results, p) !== path.join('test', 'fixtures')) walk(p);
      } else if (e.name.endsWith('.tap') && statSync(p).mtimeMs >= started - 1000) {
        const text = readFileSync(p, 'utf8');
        const times = [...text.matchAll(/^# time=([\d.]+)ms$/gm)];
        const ms = times.length ? Number(times[times.length - 1][1]) : 0;
        // A file passed when it reached its closing plan and no top-level test point failed.
        const ok = /^1\.\.\d+/m.test(text) && !/^not ok /m.test(text);
        out.push({ file: path.relative(results, p).replace(/\.tap$/, ''), ms, ok });
      }
    }
  };
  walk(results);
  return out;
}
