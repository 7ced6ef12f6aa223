#!/usr/bin/env node
// Start-up is kept lean: shell completion and every command whose arguments
// the fast path can parse run without loading oclif; help, and anything the
// fast path leaves alone, go to oclif. This file is CommonJS (bin/package.json)
// and the fast path runs from the CommonJS twins of its modules (dist/cjs/,
// made by scripts/cjs-twins.js) while they are current: Node 20 starts
// faster without its ES module loader. When they are missing or out of date,
// the ES modules in dist/ run instead.
'use strict';
const path = require('node:path');

const ROOT = path.join(__dirname, '..');

/** The fast path's CommonJS twin; undefined when there is none or it is out of date. */
async function twins() {
  if (process.env.BLANKET_NO_CJS) return undefined;
  // _fast.cjs holds the runtime and the twins most calls load, in one file; _runtime.cjs alone
  // loads each twin from its own file (scripts/cjs-twins.js).
  for (const file of ['../dist/cjs/_fast.cjs', '../dist/cjs/_runtime.cjs']) {
    let runtime;
    try {
      runtime = require(file);
    } catch (err) {
      if (err.code === 'MODULE_NOT_FOUND' && err.message.includes(path.basename(file))) continue;
      throw err;
    }
    return runtime.fast();
  }
  return undefined;
}

async function main() {
  const argv = process.argv.slice(2);
  if (argv[0] === '__complete') {
    const { main: complete } = await import('../dist/cli/complete/main.js');
    await complete(argv.slice(1));
    return;
  }
  const fast = (await twins()) ?? (await import('../dist/cli/fast.js'));
  if (!(await fast.tryRun(argv))) {
    const { execute } = await import('@oclif/core');
    await execute({ dir: ROOT });
  }
}

main().catch((err) => {
  process.stderr.write(`${err && err.stack ? err.stack : String(err)}\n`);
  process.exitCode = 1;
});
