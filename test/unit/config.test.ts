import { readFileSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { CONFIG_OPTIONS, ConfigError, DEFAULT_CONFIG, effectiveConfig, explainConfig, keyLines, parseConfig } from '../../src/core/config.js';
import { ROOT } from '../helpers/home.js';

const FILE = `kill_grace = "5s"
sync_writes = false

[worker]
# comment
slots = 2
extra_tags = ["gpu"]
`;

t.test('defaults, then config.toml, then BLANKET_* env', async (t) => {
  const none = effectiveConfig(undefined, {});
  t.same(none.config, DEFAULT_CONFIG);
  t.ok(Object.values(none.sources).every((s) => s.from === 'default'));

  const file = effectiveConfig(FILE, {}, '/h/config.toml');
  t.equal(file.config.killGraceMs, 5000);
  t.equal(file.config.syncWrites, false);
  t.equal(file.config.worker.slots, 2);
  t.same(file.sources['kill_grace'], { from: 'file', file: '/h/config.toml', line: 1 });
  t.same(file.sources['worker.slots'], { from: 'file', file: '/h/config.toml', line: 6 });
  t.same(file.sources['worker.extra_tags'], { from: 'file', file: '/h/config.toml', line: 7 });
  t.same(file.sources['max_output_bytes'], { from: 'default' });

  const env = effectiveConfig(FILE, {
    BLANKET_WORKER_SLOTS: '8',
    BLANKET_KILL_GRACE: '1m',
    BLANKET_SYNC_WRITES: 'yes',
    BLANKET_WORKER_TAGS: 'linux, bash  python3',
    BLANKET_MAX_MESSAGE_BYTES: '4 MiB',
    BLANKET_MAX_OUTPUT_BYTES: '2048',
    BLANKET_TYPES_PATHS: `/a${path.delimiter}/b`,
    BLANKET_WORKER_EXTRA_TAGS: '',
  });
  t.equal(env.config.worker.slots, 8, 'env beats the file');
  t.equal(env.config.killGraceMs, 60_000);
  t.equal(env.config.syncWrites, true);
  t.same(env.config.worker.tags, ['linux', 'bash', 'python3']);
  t.same(env.config.worker.extraTags, ['gpu'], 'an empty variable counts as unset');
  t.equal(env.config.maxMessageBytes, 4 * 1024 * 1024);
  t.equal(env.config.maxOutputBytes, 2048);
  t.same(env.config.typesPaths, ['/a', '/b']);
  t.same(env.sources['worker.slots'], { from: 'env', name: 'BLANKET_WORKER_SLOTS' });
  t.same(env.sources['worker.extra_tags'], { from: 'file', file: 'config.toml', line: 7 });
});

t.test('bad values name file:line or the variable', async (t) => {
  const err = t.throws(() => effectiveConfig('sync_writes = true\n[worker]\nslots = -1\nslotz = 3\n', {}, '/h/config.toml')) as unknown as ConfigError;
  t.type(err, ConfigError);
  t.same(
    err.errors.map((e) => [e.line, e.message.split(':')[0]]),
    [
      [4, 'worker.slotz'],
      [3, 'worker.slots'],
    ],
  );
  t.match(err.message, '/h/config.toml:3: worker.slots: must be a whole number from 0 to 1024');

  const bad = t.throws(() => effectiveConfig(undefined, { BLANKET_WORKER_SLOTS: 'many', BLANKET_SYNC_WRITES: 'maybe' })) as unknown as ConfigError;
  t.match(bad.message, 'environment variable BLANKET_SYNC_WRITES: sync_writes: must be true or false (got "maybe")');
  t.match(bad.message, 'environment variable BLANKET_WORKER_SLOTS: worker.slots: must be a whole number');

  const toml = t.throws(() => effectiveConfig('a = 1\nb = = 2\n', {}, 'c.toml')) as unknown as ConfigError;
  t.same(toml.errors[0]!.line, 2);
  t.match(toml.message, /^c\.toml:2: invalid TOML/);

  t.throws(() => parseConfig('c.toml', 'nope = 1'), /c\.toml:1: nope: unknown option/);
});

t.test('a variable replaces a bad file value of its own option only', async (t) => {
  t.throws(() => effectiveConfig('kill_grace = "soon"\n', { BLANKET_WORKER_SLOTS: '1' }), /config\.toml:1: kill_grace/);
  t.equal(effectiveConfig('kill_grace = "soon"\n', { BLANKET_KILL_GRACE: '3s' }).config.killGraceMs, 3000, 'the variable replaces the bad file value');
});

t.test('keyLines follows tables and dotted keys', async (t) => {
  const lines = keyLines('a = 1\n[worker]\n  slots = 3\n[x.y]\n"q" = 1\n[[arr]]\nk=2\nworker.tags = []\n');
  t.equal(lines.get('a'), 1);
  t.equal(lines.get('worker'), 2);
  t.equal(lines.get('worker.slots'), 3);
  t.equal(lines.get('x.y.q'), 5);
  t.equal(lines.get('arr.k'), 7);
  t.equal(lines.get('arr.worker.tags'), 8);
});

t.test('explainConfig has one row per option, in order', async (t) => {
  const rows = explainConfig(effectiveConfig('max_output_bytes = "1 GiB"\n', {}));
  t.same(
    rows.map((r) => r.key),
    CONFIG_OPTIONS.map((o) => o.key),
  );
  const out = rows.find((r) => r.key === 'max_output_bytes')!;
  t.same([out.value, out.text, out.source.from], [1024 ** 3, '1 GiB', 'file']);
  t.equal(rows.find((r) => r.key === 'worker.slots')!.value, null);
});

t.test('docs/configuration.md documents every option and its variable', async (t) => {
  const doc = readFileSync(path.join(ROOT, 'docs', 'configuration.md'), 'utf8');
  for (const o of CONFIG_OPTIONS) {
    t.match(doc, `\`${o.key}\``, `${o.key} is documented`);
    t.match(doc, `\`${o.env}\``, `${o.env} is documented`);
  }
});
