// [log], [hooks] and [metrics] in config.toml and their BLANKET_* variables.
import t from 'tap';
import { checkListen, ConfigError, effectiveConfig } from '../../../src/core/config.js';

const FILE = '/h/config.toml';
const errors = (text: string, env: Record<string, string> = {}) => {
  try {
    effectiveConfig(text, env, FILE);
    return [];
  } catch (err) {
    if (err instanceof ConfigError) return err.errors.map((e) => `${e.line ?? e.file}: ${e.message}`);
    throw err;
  }
};

t.test('values from the file and the environment', async (t) => {
  const { config, sources } = effectiveConfig(
    `[log]\nmax_size = "1 MiB"\nkeep = 2\nlevel = "warn"\n[hooks]\non_failure = "echo {{ID}} {{STATE}}"\ntimeout = "5s"\n[metrics]\nlisten = "[::1]:0"\nsample_interval = "10s"\nhistory = "1d"\n`,
    { BLANKET_HOOKS_ON_FINISH: 'logger {{ID}}', BLANKET_LOG_LEVEL: 'DEBUG', BLANKET_METRICS_SAMPLE_INTERVAL: '0' },
    FILE,
  );
  t.same(config.log, { maxBytes: 1024 * 1024, keep: 2, level: 'debug' });
  t.same(config.hooks, { commands: { on_failure: 'echo {{ID}} {{STATE}}', on_finish: 'logger {{ID}}' }, timeoutMs: 5000 });
  t.same(config.metrics, { listen: '[::1]:0', sampleIntervalMs: 0, historyMs: 86_400_000 });
  t.same(sources['hooks.on_failure'], { from: 'file', file: FILE, line: 6 });
  t.same(sources['log.level'], { from: 'env', name: 'BLANKET_LOG_LEVEL' });
  t.equal(effectiveConfig('[metrics]\nlisten = ""\n', {}).config.metrics.listen, undefined, 'empty: off');
});

t.test('bad values name the key and its line', async (t) => {
  t.same(errors('[log]\nmax_size = 10\nkeep = 0\nlevel = "loud"\nrotate = 1\n'), [
    '5: log.rotate: unknown option (known in [log]: max_size, keep, level)',
    '2: log.max_size: must be a size of at least 1 KiB, e.g. "10 MiB"',
    '3: log.keep: must be a whole number from 1 to 100',
    '4: log.level: must be one of debug, info, warn, error',
  ]);
  t.match(errors('[hooks]\non_success = "echo {{NAME}}"\ntimeout = "1ms"\n'), [
    /^2: hooks\.on_success: \{\{NAME\}\} is not a hook value/,
    /^3: hooks\.timeout: must be a duration of at least 100ms/,
  ]);
  t.match(errors('[metrics]\nlisten = "0.0.0.0:9464"\nsample_interval = "10ms"\nhistory = "1s"\n'), [
    /^2: metrics\.listen: must be a loopback address/,
    /^3: metrics\.sample_interval/,
    /^4: metrics\.history/,
  ]);
  t.match(errors('', { BLANKET_METRICS_LISTEN: '192.168.1.2:80' }), [
    /^environment variable BLANKET_METRICS_LISTEN: metrics\.listen: must be a loopback address .*\(got "192\.168\.1\.2:80"\)/,
  ]);
  t.match(errors('hooks = 3\n'), [/^1: hooks: must be a table/]);
});

t.test('loopback addresses only', async (t) => {
  for (const ok of ['127.0.0.1:9464', 'localhost:0', '[::1]:65535']) t.equal(checkListen(ok), undefined, ok);
  for (const bad of ['0.0.0.0:9464', ':9464', '127.0.0.1', '127.0.0.2:1', 'example.org:80', '[::]:80']) t.ok(checkListen(bad), bad);
  t.match(checkListen('127.0.0.1:70000'), /port/);
});
