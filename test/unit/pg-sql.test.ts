// The PostgreSQL store's literals: quote() must write what pg.escapeLiteral writes, for any string.
import t from 'tap';
import pg from 'pg';
import { lit, quote } from '../../src/daemon/store/pg-sql.js';

t.test('quote writes what pg.escapeLiteral writes', async (t) => {
  const samples = ['', 'plain', "it's", "''", '\\', 'a\\b', "a\\'b", '{"cmd":"echo \\"hi\\" \'x\'"}', 'ü ✓ \u{1f600}', '\n\t', "'\\'\\\\''"];
  let seed = 7;
  const rnd = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const alphabet = ["'", '\\', '"', 'a', ' ', 'é', '\n', 'E'];
  for (let i = 0; i < 300; i++) samples.push(Array.from({ length: Math.floor(rnd() * 12) }, () => alphabet[Math.floor(rnd() * alphabet.length)]).join(''));
  for (const s of samples) t.equal(quote(s), pg.escapeLiteral(s), JSON.stringify(s));
  t.equal(lit(['a b', 'c"d', "e'f", 'g\\h']), pg.escapeLiteral('{"a b","c\\"d","e\'f","g\\\\h"}'), 'a string array');
});
