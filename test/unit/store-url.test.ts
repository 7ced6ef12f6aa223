// store.url: its form is checked at config load (naming the key, the password masked), the env
// var wins over config.toml, and `blanket config` shows it masked.
import t from 'tap';
import { ConfigError, effectiveConfig, explainConfig } from '../../src/core/config.js';
import { checkStoreUrl, maskUrl } from '../../src/core/config/store-url.js';

t.test('the forms a store URL may take', async (t) => {
  t.equal(checkStoreUrl('postgresql://u:p@db.example:5432/blanket'), undefined);
  t.equal(checkStoreUrl('postgres://localhost/blanket'), undefined);
  t.equal(checkStoreUrl('postgresql://%2Fvar%2Frun%2Fpostgresql/blanket'), undefined, 'a socket directory as the host');
  t.match(checkStoreUrl('mysql://localhost/x'), /must be a PostgreSQL URL/);
  t.match(checkStoreUrl('localhost:5432'), /must be a PostgreSQL URL/);
  t.match(checkStoreUrl('postgresql://localhost'), /names no database/);
  t.match(checkStoreUrl('postgresql://localhost:99999/x'), /not a valid URL|port/);
  t.match(checkStoreUrl('postgresql://u:p@/x'), /not a valid URL|names no host/);
});

t.test('the password is masked wherever the URL is shown', async (t) => {
  t.equal(maskUrl('postgresql://u:s3cret@h:5432/db'), 'postgresql://u:****@h:5432/db');
  t.equal(maskUrl('postgresql://u@h/db'), 'postgresql://u@h/db', 'nothing to mask');
  t.notMatch(maskUrl('postgresql://u:s3cret@/db'), 's3cret', 'even in a URL that does not parse');
});

t.test('config.toml [store] url, BLANKET_STORE_URL over it, errors naming the key', async (t) => {
  const file = '[store]\nurl = "postgresql://u:filepw@h/one"\n';
  t.equal(effectiveConfig(undefined, {}).config.store.url, undefined, 'LevelDB by default');
  t.equal(effectiveConfig(file, {}).config.store.url, 'postgresql://u:filepw@h/one');
  const env = effectiveConfig(file, { BLANKET_STORE_URL: 'postgresql://u:envpw@h/two' });
  t.equal(env.config.store.url, 'postgresql://u:envpw@h/two', 'the env var wins');
  const row = explainConfig(env).find((r) => r.key === 'store.url')!;
  t.same([row.value, row.text, row.source], ['postgresql://u:****@h/two', 'postgresql://u:****@h/two', { from: 'env', name: 'BLANKET_STORE_URL' }]);
  t.equal(effectiveConfig('[store]\nurl = ""\n', {}).config.store.url, undefined, 'empty: LevelDB');
  try {
    effectiveConfig('[store]\nurl = "http://x/y"\n', {}, 'config.toml');
    t.fail('refused');
  } catch (err) {
    t.ok(err instanceof ConfigError);
    t.match((err as Error).message, /config\.toml:2: store\.url: must be a PostgreSQL URL/);
  }
  try {
    effectiveConfig(undefined, { BLANKET_STORE_URL: 'postgresql://u:envpw@h' });
    t.fail('refused');
  } catch (err) {
    t.match((err as Error).message, /environment variable BLANKET_STORE_URL: store\.url: names no database/);
    t.notMatch((err as Error).message, 'envpw', 'the password is masked');
  }
  try {
    effectiveConfig('[store]\nport = "x"\n', {});
    t.fail('refused');
  } catch (err) {
    t.match((err as Error).message, /store\.port: unknown option \(known in \[store\]: url, host, lease, listen, peer_token, peer_token_file\)/);
  }
});

t.test('store.host and store.lease: defaults, the env vars, errors naming the key', async (t) => {
  t.equal(effectiveConfig(undefined, {}).config.store.leaseMs, 15_000, 'a 15 s lease by default');
  t.equal(effectiveConfig(undefined, {}).config.store.host, undefined, 'the host name is derived when not given');
  const c = effectiveConfig('[store]\nhost = "build-3"\nlease = "30s"\n', {}).config.store;
  t.same([c.host, c.leaseMs], ['build-3', 30_000]);
  t.equal(effectiveConfig(undefined, { BLANKET_STORE_LEASE: '5s', BLANKET_STORE_HOST: 'b' }).config.store.leaseMs, 5000);
  for (const [text, message] of [
    ['lease = "1s"', /config\.toml:2: store\.lease: must be a duration from 3s to 1h/],
    ['lease = "soon"', /store\.lease: must be a duration/],
    ['host = "has space"', /config\.toml:2: store\.host: must be a name/],
    ['host = 3', /store\.host: must be a name/],
  ] as const) {
    t.throws(() => effectiveConfig(`[store]\n${text}\n`, {}, 'config.toml'), message, text);
  }
});
