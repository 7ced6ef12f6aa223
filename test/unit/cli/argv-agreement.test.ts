// Two parsers read a command line: the fast path (src/cli/argv.ts) and oclif
// (the Command class src/cli/oclif.ts builds from the same spec). The contract
// (src/cli/fast.ts): the fast path either parses exactly as oclif would, or
// declines and lets oclif parse. fast-check generates command lines from each
// command's own spec, for every command oclif knows:
//  - documented forms (the flags in every spelling, valid values, the args):
//    oclif accepts them, and the fast path must parse them, identically;
//  - anything (unknown flags, missing or bad values, repeats, --, clusters,
//    negative numbers, flag names as values): when the fast path parses, oclif
//    must accept and agree;
//  - after --, nothing is blanket's: the words there are positional, in order,
//    and the flags are those of the words before.
import { Parser, type Command } from '@oclif/core';
import fc from 'fast-check';
import { isDeepStrictEqual } from 'node:util';
import t, { type Test } from 'tap';
import { parseArgv } from '../../../src/cli/argv.js';
import { COMMANDS } from '../../../src/cli/oclif-commands.js';
import { fromOclif } from '../../../src/cli/oclif.js';
import { GLOBAL_FLAGS, type CommandSpec, type FlagSpec } from '../../../src/cli/spec.js';

const RUNS = 60;

interface Outcome {
  flags: Record<string, unknown>;
  args: Record<string, unknown>;
  argv: unknown[];
}

type CommandClass = typeof Command & { flags: Record<string, unknown>; baseFlags: Record<string, unknown>; args: Record<string, unknown>; strict: boolean };

const defined = (o: Record<string, unknown>): Record<string, unknown> => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));

async function viaOclif(spec: CommandSpec, cmd: CommandClass, argv: string[]): Promise<Outcome | Error> {
  try {
    const r = fromOclif(spec, await Parser.parse(argv, { flags: { ...cmd.flags, ...cmd.baseFlags }, args: cmd.args, strict: cmd.strict, context: undefined } as never), argv);
    return { flags: defined(r.flags), args: defined(r.args), argv: r.argv };
  } catch (err) {
    return err as Error;
  }
}

function viaFast(spec: CommandSpec, argv: string[]): Outcome | undefined {
  const r = parseArgv(spec, argv);
  return r && { flags: defined(r.flags), args: defined(r.args), argv: r.argv };
}

// Words that cannot be mistaken for a flag, and do not start with one.
const word = fc.stringMatching(/^[a-z0-9_.:,=/]{1,6}$/).filter((w) => !w.startsWith('-'));

function valueOf(def: FlagSpec): fc.Arbitrary<string> {
  if (def.kind === 'integer') return fc.integer({ min: Math.max(def.min ?? -1e6, -1e6), max: Math.min(def.max ?? 1e6, 1e6) }).map(String);
  if (def.kind === 'string' && def.options) return fc.constantFrom(...def.options);
  return word;
}

/** One flag in any documented spelling, with a valid value. */
function spellings(name: string, def: FlagSpec): fc.Arbitrary<string[]> {
  if (def.kind === 'boolean') {
    const forms: string[][] = [[`--${name}`]];
    if (def.char) forms.push([`-${def.char}`]);
    if (def.allowNo) forms.push([`--no-${name}`]);
    return fc.constantFrom(...forms);
  }
  const v = valueOf(def);
  const forms = [v.map((x) => [`--${name}`, x]), v.map((x) => [`--${name}=${x}`])];
  if (def.char)
    forms.push(
      v.map((x) => [`-${def.char}`, x]),
      v.map((x) => [`-${def.char}${x}`]),
      v.map((x) => [`-${def.char}=${x}`]),
    );
  return fc.oneof(...forms);
}

function defsOf(spec: CommandSpec): Record<string, FlagSpec> {
  return { ...GLOBAL_FLAGS, ...spec.flags };
}

/** A command line of documented forms only: each flag at most once (multiple ones up to 3 times), the args, extra words if variadic. */
function documented(spec: CommandSpec): fc.Arbitrary<string[]> {
  const defs = defsOf(spec);
  const flagGroups = Object.entries(defs).map(([name, def]) => {
    const must = def.kind === 'string' && def.required === true;
    const max = def.kind === 'string' && def.multiple ? 3 : 1;
    return fc.array(spellings(name, def), { minLength: must ? 1 : 0, maxLength: max });
  });
  const named = spec.args ?? [];
  const required = named.filter((a) => a.required).length;
  const positional = fc.array(word, { minLength: required, maxLength: spec.variadic ? named.length + 3 : named.length });
  return fc.tuple(fc.tuple(...flagGroups), positional).chain(([groups, pos]) => {
    const flagItems = groups.flat();
    const n = flagItems.length;
    // Flags in any order, anywhere among the positional words (which keep theirs).
    return fc
      .tuple(fc.shuffledSubarray(flagItems, { minLength: n, maxLength: n }), fc.array(fc.boolean(), { minLength: n + pos.length, maxLength: n + pos.length }))
      .map(([fl, picks]) => {
        const out: string[] = [];
        let f = 0;
        let p = 0;
        for (const pickFlag of picks) out.push(...((pickFlag && f < fl.length) || p >= pos.length ? fl[f++]! : [pos[p++]!]));
        return out;
      });
  });
}

/** Anything a user might type, built from the spec's own names and from what it does not have. */
function anything(spec: CommandSpec): fc.Arbitrary<string[]> {
  const defs = defsOf(spec);
  const names = Object.keys(defs);
  const chars = Object.values(defs).flatMap((d) => (d.char ? [d.char] : []));
  const token = fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...names).chain((n) => spellings(n, defs[n]!)) },
    { weight: 2, arbitrary: word.map((w) => [w]) },
    { weight: 2, arbitrary: fc.constantFrom(...names).map((n) => [`--${n}`]) },
    { weight: 1, arbitrary: fc.constantFrom(...names).map((n) => [`--${n}=`]) },
    { weight: 1, arbitrary: fc.constantFrom(...names).map((n) => [`--no-${n}`]) },
    { weight: 1, arbitrary: fc.constantFrom(...names).chain((n) => fc.constantFrom('abc', '1.5', '', '-1', '-', '1e3', '99999999999', '0x10', ' 7').map((v) => [`--${n}`, v])) },
    { weight: 1, arbitrary: fc.constantFrom('--', '-', '-5', '-5x', '-1.5', '--nope', '--nope=1', '-Z', '-h', '--help', '---', '--=', '', '--json=true').map((v) => [v]) },
    {
      weight: chars.length ? 1 : 0,
      arbitrary: fc.array(fc.constantFrom(...(chars.length ? chars : ['x']), 'Z', '1', '='), { minLength: 2, maxLength: 4 }).map((cs) => [`-${cs.join('')}`]),
    },
  );
  return fc.array(token, { maxLength: 7 }).map((ts) => ts.flat());
}

const failures = (cmd: string, argv: string[], fast: unknown, oclif: unknown) =>
  `${cmd} ${JSON.stringify(argv)}\nfast:  ${JSON.stringify(fast)}\noclif: ${oclif instanceof Error ? `refused: ${oclif.message}` : JSON.stringify(oclif)}`;

const specs = await Promise.all(
  Object.entries(COMMANDS).map(async ([id, cls]) => {
    const spec = ((await import(`../../../src/commands/${id.split(':').join('/')}.js`)) as { default: CommandSpec }).default;
    return { id: id.replace(/:/g, ' '), spec, cls: cls as CommandClass };
  }),
);

t.test('every command oclif knows has a spec the fast path can find', async (t) => {
  t.ok(specs.length >= 40, `${specs.length} commands`);
  for (const { id, spec } of specs) t.type(spec.run, 'function', id);
});

for (const { id, spec, cls } of specs) {
  t.test(id, async (t) => {
    t.test('documented forms: both parse, identically', async (t) => {
      await fc.assert(
        fc.asyncProperty(documented(spec), async (argv) => {
          const oclif = await viaOclif(spec, cls, argv);
          const fast = viaFast(spec, argv);
          if (oclif instanceof Error || !fast || !isDeepStrictEqual(fast, oclif)) throw new Error(failures(id, argv, fast, oclif));
        }),
        { numRuns: RUNS },
      );
      t.pass('agree');
    });

    t.test('anything: the fast path parses as oclif does, or leaves it to oclif', async (t) => {
      await fc.assert(
        fc.asyncProperty(anything(spec), async (argv) => {
          const fast = viaFast(spec, argv);
          if (!fast) return true;
          const oclif = await viaOclif(spec, cls, argv);
          if (oclif instanceof Error || !isDeepStrictEqual(fast, oclif)) throw new Error(failures(id, argv, fast, oclif));
        }),
        { numRuns: RUNS * 2 },
      );
      t.pass('agree');
    });

    t.test('positional words keep the order typed, in both', async (t) => {
      await fc.assert(
        fc.asyncProperty(anything(spec), async (argv) => {
          const fast = viaFast(spec, argv);
          const oclif = await viaOclif(spec, cls, argv);
          if (fast && !(oclif instanceof Error) && !isDeepStrictEqual(fast.argv, oclif.argv)) throw new Error(failures(id, argv, fast, oclif));
        }),
        { numRuns: RUNS * 2 },
      );
      t.pass('agree');
    });

    if (spec.variadic) {
      // `blanket run -- CMD…`: every word after -- is the command's, in order, whatever it looks like.
      const afterDashDash = (parse: (argv: string[]) => Promise<Outcome | Error | undefined>) => async (t: Test) => {
        await fc.assert(
          fc.asyncProperty(documented(spec), anything(spec), async (before, after) => {
            const argv = [...before, '--', ...after];
            const got = await parse(argv);
            if (got === undefined || got instanceof Error) throw new Error(`refused ${JSON.stringify(argv)}: ${String(got)}`);
            const alone = viaFast(spec, before);
            if (!isDeepStrictEqual(got.flags, alone?.flags)) throw new Error(`the flags are not those before --: ${JSON.stringify(argv)}: ${JSON.stringify(got.flags)}`);
            if (!isDeepStrictEqual(got.argv.slice(got.argv.length - after.length), after))
              throw new Error(`the words after -- are not the tail of argv: ${JSON.stringify(argv)}: ${JSON.stringify(got.argv)}`);
          }),
          { numRuns: RUNS },
        );
        t.pass("nothing after -- is blanket's");
      };
      t.test(
        "after --, nothing is blanket's: the fast path",
        afterDashDash(async (argv) => viaFast(spec, argv)),
      );
      t.test(
        "after --, nothing is blanket's: oclif",
        afterDashDash((argv) => viaOclif(spec, cls, argv)),
      );
    }
  });
}
