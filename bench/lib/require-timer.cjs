// Preloaded with `node --require` to time CommonJS loading: the inclusive and
// self time of every first load of a file, and node's start-up marks. Writes
// JSON to $BENCH_REQUIRE_OUT at exit. (ESM imports are not seen here; the CPU
// profile covers them.)
'use strict';
const Module = require('node:module');
const { writeFileSync } = require('node:fs');
const { performance } = require('node:perf_hooks');

const out = process.env.BENCH_REQUIRE_OUT;
delete process.env.BENCH_REQUIRE_OUT;
const load = Module._load;
const stack = [];
const files = [];
const seen = new Set();

Module._load = function timedLoad(request, parent, isMain) {
  if (request.startsWith('node:') || Module.isBuiltin(request)) return load.apply(this, arguments);
  let filename;
  try {
    filename = Module._resolveFilename(request, parent, isMain);
  } catch {
    return load.apply(this, arguments);
  }
  if (seen.has(filename)) return load.apply(this, arguments);
  seen.add(filename);
  const entry = { file: filename, start: performance.now(), ms: 0, childMs: 0 };
  stack.push(entry);
  try {
    return load.apply(this, arguments);
  } finally {
    stack.pop();
    entry.ms = performance.now() - entry.start;
    if (stack.length) stack[stack.length - 1].childMs += entry.ms;
    entry.selfMs = entry.ms - entry.childMs;
    entry.top = stack.length === 0;
    files.push(entry);
  }
};

process.on('exit', () => {
  if (!out) return;
  const t = performance.nodeTiming;
  writeFileSync(
    out,
    JSON.stringify({
      marks: { nodeStart: t.nodeStart, v8Start: t.v8Start, environment: t.environment, bootstrapComplete: t.bootstrapComplete, loopStart: t.loopStart, exit: performance.now() },
      files,
    }),
  );
});
