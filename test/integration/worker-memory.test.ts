// A local worker runs with a capped young generation (WORKER_NODE_FLAGS): without it V8 grows
// a busy worker's new space to its maximum and keeps it (91 MB resident after 3000 tasks).
import { readFileSync } from 'node:fs';
import t from 'tap';
import { TestHome } from '../helpers/home.js';

t.test('the local worker starts with the memory flags and runs tasks', async (t) => {
  const h = new TestHome(t, { workers: 1 });
  const r = await h.run(['run', '--wait', '--', 'true']);
  t.equal(r.code, 0, r.stderr);
  const [worker] = (await h.json(['worker', 'ls'])).workers;
  const argv = readFileSync(`/proc/${worker.pid}/cmdline`, 'utf8').split('\0');
  const flag = argv.find((a) => a.startsWith('--max-semi-space-size='));
  t.ok(flag, `worker argv: ${argv.join(' ')}`);
  t.ok(argv.indexOf(flag!) < argv.findIndex((a) => a.endsWith('worker/main.js')), 'a flag for node, before the entry');
});
