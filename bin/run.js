#!/usr/bin/env node
// Shell completion asks on every TAB: answer it without loading oclif.
if (process.argv[2] === '__complete') {
  const { main } = await import('../dist/cli/complete/main.js');
  await main(process.argv.slice(3));
} else {
  const { execute } = await import('@oclif/core');
  await execute({ dir: import.meta.url });
}
