#!/usr/bin/env node
// Start-up is kept lean: shell completion and every command whose arguments
// the fast path can parse run without loading oclif; help, and anything the
// fast path leaves alone, go to oclif.
const argv = process.argv.slice(2);
if (argv[0] === '__complete') {
  const { main } = await import('../dist/cli/complete/main.js');
  await main(argv.slice(1));
} else {
  const { tryRun } = await import('../dist/cli/fast.js');
  if (!(await tryRun(argv))) {
    const { execute } = await import('@oclif/core');
    await execute({ dir: import.meta.url });
  }
}
