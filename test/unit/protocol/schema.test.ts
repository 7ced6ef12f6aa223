import t from 'tap';
import { any, arr, bool, int, literal, num, obj, opt, record, SchemaError, str, type Schema } from '../../../src/protocol/schema.js';
import { methods, submitParams } from '../../../src/protocol/methods.js';

function thrown(fn: () => unknown): Error | undefined {
  try {
    fn();
  } catch (err) {
    return err as Error;
  }
  return undefined;
}

type Case = { schema: Schema<unknown>; name: string; ok: Array<[unknown, unknown?]>; bad: Array<[unknown, RegExp]> };

const cases: Case[] = [
  {
    name: 'str()',
    schema: str(),
    ok: [[''], ['hello'], ['é ☃ 🎉']],
    bad: [
      [1, /expected a string.*got number 1/],
      [null, /got null/],
      [undefined, /got undefined/],
      [['a'], /got an array/],
      [{}, /got an object/],
      ['x'.repeat(65537), /a string of 65537 characters/],
    ],
  },
  {
    name: 'str({min, max, pattern})',
    schema: str({ min: 2, max: 4, pattern: /^[a-z]+$/ }),
    ok: [['ab'], ['abcd']],
    bad: [
      ['a', /2\.\.4 characters/],
      ['abcde', /2\.\.4 characters/],
      ['AB', /matching/],
      ['a b', /matching/],
    ],
  },
  {
    name: 'int()',
    schema: int({ min: -2, max: 3 }),
    ok: [[-2], [0], [3]],
    bad: [
      [-3, /integer in -2\.\.3/],
      [4, /integer/],
      [1.5, /number 1.5/],
      ['1', /got "1"/],
      [NaN, /NaN/],
      [Infinity, /Infinity/],
      [true, /boolean true/],
    ],
  },
  {
    name: 'num()',
    schema: num({ min: 0, max: 1 }),
    ok: [[0], [0.5], [1]],
    bad: [
      [-0.1, /number in 0\.\.1/],
      [1.1, /number/],
      [NaN, /NaN/],
      [Infinity, /Infinity/],
      ['0.5', /"0.5"/],
    ],
  },
  {
    name: 'bool',
    schema: bool,
    ok: [[true], [false]],
    bad: [
      [0, /a boolean/],
      ['true', /a boolean/],
      [null, /a boolean/],
    ],
  },
  {
    name: 'literal()',
    schema: literal('a', 'b'),
    ok: [['a'], ['b']],
    bad: [
      ['c', /one of "a", "b"/],
      [1, /one of/],
      [undefined, /one of/],
    ],
  },
  {
    name: 'arr()',
    schema: arr(int(), { min: 1, max: 2 }),
    ok: [[[1]], [[1, 2]]],
    bad: [
      [[], /1\.\.2/],
      [[1, 2, 3], /1\.\.2/],
      [{ 0: 1, length: 1 }, /an array/],
      ['ab', /an array/],
    ],
  },
  {
    name: 'record()',
    schema: record(str(), { key: /^[A-Z]+$/, max: 2 }),
    ok: [[{}], [{ A: 'x', B: 'y' }]],
    bad: [
      [{ a: 'x' }, /a key matching/],
      [{ A: 1 }, /\.A: expected a string/],
      [{ A: 'x', B: 'y', C: 'z' }, /an object/],
      [[], /an object/],
      [null, /an object/],
      ['A=x', /an object/],
    ],
  },
  {
    name: 'opt()',
    schema: opt(int()),
    ok: [[undefined], [5]],
    bad: [
      [null, /integer/],
      ['5', /integer/],
    ],
  },
  {
    name: 'obj()',
    schema: obj({ a: int(), b: opt(str()) }),
    ok: [[{ a: 1 }], [{ a: 1, b: 'x' }], [{ a: 1, b: undefined }, { a: 1 }]],
    bad: [
      [{}, /^a: expected an integer/],
      [{ a: 1, c: 2 }, /^c: expected no such field \(allowed: a, b\)/],
      [{ a: 1, b: 2 }, /^b: expected a string/],
      [[], /an object with a, b/],
      [null, /an object with a, b/],
      ['x', /an object with a, b/],
    ],
  },
  {
    name: 'obj({}) refuses every key',
    schema: obj({}),
    ok: [[{}]],
    bad: [[{ x: 1 }, /no such field \(allowed: none\)/]],
  },
  {
    name: 'any()',
    schema: any(),
    ok: [[null], [1], [{ a: [1] }]],
    bad: [],
  },
];

t.test('every combinator accepts what it should and refuses the rest with a message', async (t) => {
  for (const c of cases) {
    for (const [input, expected] of c.ok) {
      t.same(c.schema.parse(input), expected === undefined ? input : expected, `${c.name} accepts ${JSON.stringify(input)}`);
    }
    for (const [input, message] of c.bad) {
      const err = thrown(() => c.schema.parse(input));
      t.ok(err instanceof SchemaError, `${c.name} refuses ${String(JSON.stringify(input)).slice(0, 30)}`);
      t.match(err?.message, message);
    }
  }
});

t.test('error paths name the nested field', async (t) => {
  const s = obj({ outer: obj({ list: arr(obj({ n: int() })) }) });
  t.match(
    thrown(() => s.parse({ outer: { list: [{ n: 1 }, { n: 'x' }] } })),
    { path: 'outer.list[1].n', message: /^outer\.list\[1\]\.n: expected an integer/ },
  );
  t.match(
    thrown(() => s.parse({ outer: { list: [{ n: 1, m: 2 }] } })),
    { path: 'outer.list[0].m' },
  );
  const top = str();
  t.throws(() => top.parse(1), /^params: expected/, 'an unnamed top level is called params');
});

t.test('obj() drops nothing it knows and returns a fresh object', async (t) => {
  const s = obj({ a: int(), b: opt(bool) });
  const input = { a: 1, b: false };
  const out = s.parse(input);
  t.same(out, { a: 1, b: false });
  t.not(out, input);
});

t.test('__proto__ is a plain key and never pollutes prototypes', async (t) => {
  const evil = JSON.parse('{"__proto__": {"polluted": "yes"}, "A": "1"}');
  t.ok(Object.hasOwn(evil, '__proto__'), 'JSON.parse makes an own __proto__ key');

  // record(): __proto__ is an ordinary entry of a null-prototype map
  const env = record(str()).parse(JSON.parse('{"__proto__": "value", "A": "1"}'));
  t.equal(Object.getPrototypeOf(env), null);
  t.ok(Object.hasOwn(env, '__proto__'));
  t.equal(env['__proto__'], 'value');
  t.same(Object.keys(env).sort(), ['A', '__proto__']);

  // a record of objects cannot set a prototype either
  const nested = record(any<unknown>()).parse(evil);
  t.equal(Object.getPrototypeOf(nested), null);
  t.equal(({} as Record<string, unknown>).polluted, undefined);

  // record() with a key pattern refuses it like any other bad key
  t.throws(() => record(str(), { key: /^[A-Z]+$/ }).parse(JSON.parse('{"__proto__": "x"}')), /a key matching/);

  // obj(): __proto__ is an unknown field, refused
  t.throws(() => obj({ a: opt(int()) }).parse(evil), /__proto__: expected no such field/);
  // and a shape cannot be tricked by keys inherited from Object.prototype
  t.throws(() => obj({ a: opt(int()) }).parse(JSON.parse('{"constructor": 1}')), /constructor: expected no such field/);
  t.throws(() => obj({ a: opt(int()) }).parse(JSON.parse('{"toString": 1}')), /toString: expected no such field/);

  // submit params: env keys must be variable names, so __proto__ passes as a plain key
  const p = submitParams.parse(JSON.parse('{"type":"x","env":{"__proto__":"v"}}'));
  t.equal(p.env!['__proto__'], 'v');
  t.equal(Object.getPrototypeOf(p.env), null);

  t.equal(({} as Record<string, unknown>).polluted, undefined, 'Object.prototype untouched');
  t.equal((Object.prototype as Record<string, unknown>).polluted, undefined);
});

t.test('every method in the table has a strict params schema', async (t) => {
  for (const [name, spec] of Object.entries(methods)) {
    t.throws(() => spec.params.parse({ definitelyNotAField: 1 }), /no such field/, `${name} refuses unknown keys`);
    t.ok(thrown(() => spec.params.parse([])) instanceof SchemaError, `${name} refuses an array`);
  }
});
