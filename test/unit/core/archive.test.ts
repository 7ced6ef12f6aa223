// The archive's layout and the keep cleaning's decisions, and [archive]/[retention] in config.toml.
import t from 'tap';
import { bucketFate, bucketOf, bucketStart, cleanIntervalMs, HOUR_MS, parseEntry } from '../../../src/core/archive.js';
import { ConfigError, effectiveConfig } from '../../../src/core/config.js';

t.test('hour directories: named by the UTC hour, read back to its start', async (t) => {
  const at = Date.UTC(2026, 11, 4, 7, 52, 29, 123);
  t.equal(bucketOf(at), '20261204T07');
  t.equal(bucketStart('20261204T07'), Date.UTC(2026, 11, 4, 7));
  t.equal(bucketStart('.journal'), undefined);
  t.equal(bucketStart('20261204'), undefined);
});

t.test('names in an hour directory', async (t) => {
  t.same(parseEntry('1svvq200'), { id: '1svvq200', kind: 'entry' });
  t.same(parseEntry('1svvq200.part'), { id: '1svvq200', kind: 'part' });
  t.same(parseEntry('1svvq200.restoring'), { id: '1svvq200', kind: 'restoring' });
  t.same(parseEntry('1svvq200.gone'), { id: '1svvq200', kind: 'gone' });
  t.equal(parseEntry('.blanket-task'), undefined);
  t.equal(parseEntry('1svvq200.copy'), undefined);
});

t.test('keep cleaning: whole hours older than the cutoff go, the hour it falls in is looked into, newer ones are kept', async (t) => {
  const start = Date.UTC(2026, 11, 4, 7);
  t.equal(bucketFate('20261204T07', start + HOUR_MS), 'drop', 'its whole hour is before the cutoff');
  t.equal(bucketFate('20261204T07', start + HOUR_MS + 1), 'drop');
  t.equal(bucketFate('20261204T07', start + 1), 'check', 'the cutoff falls inside it');
  t.equal(bucketFate('20261204T07', start), 'keep', 'nothing in it can be older than the cutoff');
  t.equal(bucketFate('not-an-hour', start + 10 * HOUR_MS), 'keep', 'what is not ours is left alone');
  t.equal(cleanIntervalMs(30 * 86_400_000), HOUR_MS);
  t.equal(cleanIntervalMs(2000), 1000);
  t.equal(cleanIntervalMs(12 * HOUR_MS), HOUR_MS / 2, 'a 24th of archive.keep');
});

t.test('[archive] keep and [retention] finished in config.toml and the environment', async (t) => {
  const d = effectiveConfig(undefined, {}).config;
  t.same(d.archive, { keepMs: 30 * 86_400_000 }, 'kept 30 days by default');
  t.same(d.retention, {}, 'no retention by default');
  t.same(effectiveConfig('[archive]\nkeep = "1s"\n', {}).config.archive, { keepMs: 1000 });
  t.same(effectiveConfig('[archive]\nkeep = 0\n', {}).config.archive, { keepMs: 0 });
  t.same(effectiveConfig('[retention]\nfinished = "30d"\n', {}).config.retention, { finishedMs: 30 * 86_400_000 });
  t.same(effectiveConfig('[retention]\nfinished = 10000\n', {}).config.retention, { finishedCount: 10000 });
  t.same(effectiveConfig(undefined, { BLANKET_RETENTION_FINISHED: '500' }).config.retention, { finishedCount: 500 });
  t.same(effectiveConfig(undefined, { BLANKET_RETENTION_FINISHED: '12h' }).config.retention, { finishedMs: 12 * HOUR_MS });
  t.same(effectiveConfig(undefined, { BLANKET_ARCHIVE_KEEP: '7d' }).config.archive, { keepMs: 7 * 86_400_000 });
  for (const [text, key, message] of [
    ['[archive]\nkeep = "soon"\n', 'archive.keep', /must be a duration of at least 1s/],
    ['[archive]\nkeep = "100ms"\n', 'archive.keep', /at least 1s/],
    ['[archive]\nkept = "1d"\n', 'archive.kept', /unknown option \(known in \[archive\]: keep\)/],
    ['[retention]\nfinished = 0\n', 'retention.finished', /whole number of at least 1/],
    ['[retention]\nfinished = 1.5\n', 'retention.finished', /whole number of at least 1/],
    ['[retention]\nfinished = "a month"\n', 'retention.finished', /a duration of at least 1s such as "30d".*or a count such as 10000/],
    ['retention = 5\n', 'retention', /must be a table/],
  ] as const) {
    try {
      effectiveConfig(text, {}, '/h/config.toml');
      t.fail(`${text} should be refused`);
    } catch (err) {
      t.ok(err instanceof ConfigError);
      t.match((err as Error).message, `${key}: `);
      t.match((err as Error).message, message);
    }
  }
});
