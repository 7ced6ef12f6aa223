import t from 'tap';
import { parseEnvFlags } from '../../../src/cli/env.js';
import { BlanketError } from '../../../src/protocol/errors.js';

t.test('-e NAME=VALUE', async (t) => {
  t.same({ ...parseEnvFlags(['A=1', 'B=', 'C=x=y', 'D= spaced ', '_E=$(id)']) }, { A: '1', B: '', C: 'x=y', D: ' spaced ', _E: '$(id)' });
  t.same({ ...parseEnvFlags(['A=1', 'A=2']) }, { A: '2' }, 'the last one wins');
  t.same({ ...parseEnvFlags() }, {});
  const env = parseEnvFlags(['__proto__=x']);
  t.equal(env['__proto__'], 'x', '__proto__ is a plain name');
  t.equal(Object.getPrototypeOf(env), null);
});

t.test('bad -e values are usage errors that say how to fix them', async (t) => {
  const table: Array<[string, RegExp, RegExp]> = [
    ['FOO', /^-e FOO: expected NAME=VALUE$/, /write -e FOO=value/],
    ['=x', /^-e =x: expected NAME=VALUE$/, /write -e NAME=value/],
    ['1A=x', /"1A" is not a valid environment variable name/, /letters, digits and _/],
    ['A-B=x', /"A-B" is not a valid/, /letters/],
    ['', /expected NAME=VALUE/, /write -e/],
  ];
  for (const [v, message, hint] of table) {
    let err: unknown;
    try {
      parseEnvFlags([v]);
    } catch (e) {
      err = e;
    }
    t.ok(err instanceof BlanketError, JSON.stringify(v));
    t.equal((err as BlanketError).code, 'USAGE');
    t.match((err as BlanketError).message, message);
    t.match((err as BlanketError).hint, hint);
  }
});
