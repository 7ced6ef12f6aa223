// A local worker runs with a capped young generation (WORKER_NODE_FLAGS): without it V8 grows
// a busy worker's new space to its maximum and keeps it (91 MB resident after 3000 tasks). And it
// runs with --expose-gc, to collect its garbage once after it has run tasks and gone idle (V8
// kept a busy spell's heap: 68 MB a minute after 3000 tasks).
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { TestHome, waitFor } from '../helpers/home.js';

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

t.test('a worker that ran tasks and went idle collects its garbage once', async (t) => {
  const h = new TestHome(t, { workers: 1, config: '[log]\nlevel = "debug"\n' });
  const r = await h.run(['run', '--wait', '--', 'true']);
  t.equal(r.code, 0, r.stderr);
  const [worker] = (await h.json(['worker', 'ls'])).workers;
  t.ok(readFileSync(`/proc/${worker.pid}/cmdline`, 'utf8').split('\0').includes('--expose-gc'), 'started with --expose-gc');
  const file = path.join(h.paths.logs, 'worker-local.log');
  const line = await waitFor(
    'the idle collection in the worker log',
    () =>
      existsSync(file) &&
      readFileSync(file, 'utf8')
        .split('\n')
        .find((l) => l.includes('idle: collected garbage')),
    30_000,
  );
  t.match(JSON.parse(line), { level: 'debug', worker: 'local', rssBeforeMB: Number, rssAfterMB: Number });
});
