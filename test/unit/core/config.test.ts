import t from 'tap';
import { ConfigError, DEFAULT_CONFIG, parseConfig, parseSize } from '../../../src/core/config.js';
import type { TypeLoadError } from '../../../src/protocol/model.js';

const FILE = '/home/u/.config/blanket/config.toml';

function errorsOf(text: string): TypeLoadError[] {
  try {
    parseConfig(FILE, text);
  } catch (err) {
    if (err instanceof ConfigError) return err.errors;
    throw err;
  }
  return [];
}

t.test('an empty file is the defaults', async (t) => {
  t.same(parseConfig(FILE, ''), DEFAULT_CONFIG);
  t.not(parseConfig(FILE, '').worker, DEFAULT_CONFIG.worker, 'a copy: callers cannot change the defaults');
});

t.test('every option', async (t) => {
  const cfg = parseConfig(
    FILE,
    `types_paths = ["./types", "/srv/types"]
max_message_bytes = "2 MiB"
max_output_bytes = 1000
sync_writes = false
kill_grace = "2s"
[worker]
tags = ["gpu"]
extra_tags = ["big"]
slots = 4
[backup]
interval = "6h"
dir = "bk"
keep = 3
[hooks]
[archive]
keep = "7d"
[retention]
finished = 100
[store]
lease = "20s"
host = "build-1"
listen = "127.0.0.1:7070"
`,
  );
  t.same(cfg, {
    typesPaths: ['./types', '/srv/types'],
    maxMessageBytes: 2 * 1024 * 1024,
    maxOutputBytes: 1000,
    syncWrites: false,
    killGraceMs: 2000,
    worker: { tags: ['gpu'], extraTags: ['big'], slots: 4 },
    log: DEFAULT_CONFIG.log,
    hooks: DEFAULT_CONFIG.hooks,
    metrics: DEFAULT_CONFIG.metrics,
    schedules: [],
    backup: { intervalMs: 6 * 3_600_000, dir: 'bk', keep: 3 },
    store: { leaseMs: 20_000, host: 'build-1', listen: '127.0.0.1:7070' },
    labels: {},
    archive: { keepMs: 7 * 86_400_000 },
    retention: { finishedCount: 100 },
  });
});

t.test('[labels.NAME] weight: fair-share weights, bad ones named with their line', async (t) => {
  t.same(parseConfig(FILE, '[labels.team]\nweight = 3\n[labels."a.b"]\nweight = 0.5\n').labels, { team: { weight: 3 }, 'a.b': { weight: 0.5 } });
  t.same(parseConfig(FILE, '').labels, {}, 'none by default (every label weighs 1)');
  t.throws(() => parseConfig(FILE, '[labels.team]\nweight = 0\n'), /config\.toml:2: labels\.team\.weight: must be a number above 0/);
  t.throws(() => parseConfig(FILE, '[labels.team]\nweight = "3"\n'), /labels\.team\.weight: must be a number above 0/);
  t.throws(() => parseConfig(FILE, '[labels.team]\nshare = 3\n'), /labels\.team\.share: unknown option \(known in \[labels\.NAME\]: weight\)/);
  t.throws(() => parseConfig(FILE, 'labels = 3\n'), /labels: must be tables of labels/);
});

t.test('[backup]: defaults, and bad values named', async (t) => {
  t.same(parseConfig(FILE, '').backup, { intervalMs: 0, keep: 7 }, 'no scheduled backups by default');
  t.equal(parseConfig(FILE, '[backup]\ninterval = 0\n').backup.intervalMs, 0);
  t.throws(() => parseConfig(FILE, '[backup]\ninterval = "soon"\n'), /backup\.interval: must be a duration/);
  t.throws(() => parseConfig(FILE, '[backup]\ninterval = "10ms"\n'), /at least 1s/);
  t.throws(() => parseConfig(FILE, '[backup]\nkeep = 0\n'), /backup\.keep: must be a whole number from 1/);
  t.throws(() => parseConfig(FILE, '[backup]\nwhen = 1\n'), /backup\.when: unknown option/);
});

t.test('bad values name the option and its line', async (t) => {
  const cases: Array<[string, number | undefined, RegExp]> = [
    ['types_paths = "/x"', 1, /^types_paths: must be a list of directory paths/],
    ['\n\nmax_message_bytes = 100', 3, /^max_message_bytes: must be a size of at least 1 KiB/],
    ['max_message_bytes = "lots"', 1, /^max_message_bytes: must be a size/],
    ['max_output_bytes = -1', 1, /^max_output_bytes: must be a size/],
    ['sync_writes = "yes"', 1, /^sync_writes: must be true or false/],
    ['kill_grace = "forever"', 1, /^kill_grace: must be a duration/],
    ['worker = 1', 1, /^worker: must be a table/],
    ['[worker]\ntags = "gpu"', 2, /^worker\.tags: must be a list of tags/],
    ['[worker]\nextra_tags = ["a b"]', 2, /^worker\.extra_tags: must be a list of tags/],
    ['[worker]\nslots = 2000', 2, /^worker\.slots: must be a whole number from 0 to 1024/],
    ['[worker]\nslots = 1.5', 2, /^worker\.slots: must be a whole number/],
    ['typo_option = 1', 1, /^typo_option: unknown option \(known: types_paths, /],
    ['"a(b" = 1', 1, /^a\(b: unknown option/],
    ['\n"[x" = 1', 2, /^\[x: unknown option/],
  ];
  for (const [text, line, message] of cases) {
    const errs = errorsOf(text);
    t.equal(errs.length, 1, JSON.stringify(text));
    t.equal(errs[0]?.file, FILE);
    t.equal(errs[0]?.line, line, `${JSON.stringify(text)}: line`);
    t.match(errs[0]?.message, message);
  }
});

t.test('invalid TOML gives the line', async (t) => {
  const errs = errorsOf('sync_writes = true\nkill_grace = \n');
  t.match(errs, [{ file: FILE, line: 2, message: /^invalid TOML: / }]);
  t.match(new ConfigError(errs).message, `${FILE}:2: invalid TOML`);
});

t.test('parseSize', async (t) => {
  const table: Array<[unknown, number | undefined]> = [
    [1024, 1024],
    ['1024', 1024],
    ['1 KiB', 1024],
    ['1kb', 1000],
    ['1.5 MiB', 1572864],
    ['2MB', 2_000_000],
    ['1 GiB', 1024 ** 3],
    ['3 b', 3],
    [0, undefined],
    [-1, undefined],
    [1.5, undefined],
    ['', undefined],
    ['1 TiB', undefined],
    ['x', undefined],
    [true, undefined],
  ];
  for (const [v, want] of table) t.equal(parseSize(v), want, JSON.stringify(v));
});

t.test('store.peer_token_file: an absolute path, and not beside store.peer_token', async (t) => {
  t.equal(parseConfig(FILE, '[store]\npeer_token_file = "/etc/blanket/peer.token"\n').store.peerTokenFile, '/etc/blanket/peer.token');
  t.throws(() => parseConfig(FILE, '[store]\npeer_token_file = "peer.token"\n'), /config\.toml:2: store\.peer_token_file: must be the absolute path of a file/);
  t.throws(
    () => parseConfig(FILE, '[store]\npeer_token = "a-secret-of-16-chars"\npeer_token_file = "/etc/blanket/peer.token"\n'),
    /store\.peer_token_file: is set, and so is store\.peer_token/,
  );
});
