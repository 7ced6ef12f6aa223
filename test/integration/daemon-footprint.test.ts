// What an idle daemon loads (docs/performance.md, "Footprint"): with no schedule, no peer
// listener and no metrics listener it does not load cron-parser, ICU's time-zone data
// (Intl.DateTimeFormat), node:tls or node:http, nor a logging package; once a
// schedule is added it loads what schedules need, and the schedule uses the local zone.
// With no config.toml and no type files of its own it does not load the TOML parser (the
// bundled types come parsed at build time); a type file added is parsed, with only the
// parser's string half (@iarna/toml/parse-string.js), not its stream half.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import t from 'tap';
import { BIN, ROOT, TestHome, testEnv, waitFor } from '../helpers/home.js';

interface Footprint {
  builtins: string[];
  packages: string[];
  files: string[];
  intl: number;
}

t.test('an idle daemon loads only what it uses', async (t) => {
  // No config.toml (the common case): no local worker by the environment instead.
  const h = new TestHome(t);
  t.notOk(existsSync(h.paths.config), 'no config.toml');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bk-fp-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  // testEnv drops NODE_OPTIONS (tap's loaders): the preload is put back for this start alone.
  const env = {
    ...testEnv(h.dir),
    NODE_OPTIONS: `--require ${path.join(ROOT, 'test', 'fixtures', 'footprint', 'preload.cjs')}`,
    BLANKET_TEST_FOOTPRINT_DIR: dir,
    BLANKET_WORKER_SLOTS: '0',
  };

  /** Run the daemon through `then`, stop it, and read what it had loaded. */
  async function daemonRun(then: () => Promise<void>): Promise<Footprint> {
    await promisify(execFile)(process.execPath, [BIN, 'daemon', 'start'], { env });
    const pid = h.daemonPid()!;
    await then();
    t.equal((await h.run(['daemon', 'stop'])).code, 0);
    const file = path.join(dir, `${pid}.json`);
    await waitFor('the daemon to write what it loaded', () => existsSync(file));
    return JSON.parse(readFileSync(file, 'utf8')) as Footprint;
  }

  const idle = await daemonRun(async () => {
    t.equal((await h.run(['ps'])).code, 0);
  });
  t.ok(idle.builtins.includes('net'), 'the record is of the daemon (it listens)');
  // (node:crypto is not checked here: under tap the daemon also loads inspector, worker_threads and
  // crypto, which it does not when started from a shell; see docs/performance.md.)
  for (const m of ['tls', 'http', 'https']) t.notOk(idle.builtins.includes(m), `node:${m} not loaded`);
  for (const p of ['cron-parser', 'luxon', 'pino', 'rotating-file-stream']) t.notOk(idle.packages.includes(p), `${p} not loaded`);
  t.equal(idle.intl, 0, 'Intl.DateTimeFormat not used (ICU time-zone data not touched)');
  t.notOk(idle.packages.includes('@iarna/toml'), 'the TOML parser not loaded (the bundled types come parsed)');

  const scheduled = await daemonRun(async () => {
    await h.ok(['schedule', 'add', 'nightly', '--cron', '0 3 * * *', '--paused', '--', 'true']);
    const show = await h.json<{ schedule: { tz?: string } }>(['schedule', 'show', 'nightly']);
    t.notOk(show.schedule.tz, 'no zone of its own: the local one');
    const types = await h.json<{ types: { name: string }[] }>(['types', 'ls']);
    t.ok(
      types.types.some((x) => x.name === 'greet'),
      'the bundled types are there',
    );
    mkdirSync(h.paths.typesDir, { recursive: true });
    writeFileSync(path.join(h.paths.typesDir, 'mine.toml'), 'command = "echo {{WHO}}"\n');
    await h.ok(['types', 'rescan']);
    t.ok(
      (await h.json<{ types: { name: string }[] }>(['types', 'ls'])).types.some((x) => x.name === 'mine'),
      'and reads a type file of its own',
    );
  });
  t.ok(scheduled.packages.includes('cron-parser'), 'a schedule loads cron-parser');
  t.ok(scheduled.intl > 0, 'and looks up the local zone');
  t.ok(scheduled.packages.includes('@iarna/toml'), 'a type file of its own loads the TOML parser');
  const toml = scheduled.files.filter((f) => f.includes('@iarna/toml/')).map((f) => f.slice(f.indexOf('@iarna/toml/')));
  t.notOk(
    toml.some((f) => /toml\.js$|parse-stream|parse-async|stringify/.test(f)),
    `only its string parser: ${toml.join(', ')}`,
  );
  await h.cleanup(t);
});
