// After the first `--` nothing is blanket's: both parsers (the fast path's parseArgv and
// splitAtDashdash, used after oclif) hand every later word to the command unchanged.
import t from 'tap';
import { parseArgv, splitAtDashdash } from '../../../src/cli/argv.js';
import type { CommandSpec } from '../../../src/cli/spec.js';
import kill from '../../../src/commands/kill.js';
import rm from '../../../src/commands/rm.js';
import run from '../../../src/commands/run.js';
import scheduleAdd from '../../../src/commands/schedule/add.js';
import wait from '../../../src/commands/wait.js';

/** Words a command may take that look like blanket's flags, or like nothing at all. */
const AFTER = ['-q', '--json', '-f', '-w', '--help', '-h', '--', '', 'a b', "it's", '--wait', '--follow', '--quiet', '-e', 'X=1', '-q'];

const specs: Array<[string, CommandSpec, string[]]> = [
  ['run', run as CommandSpec, ['--wait', '-l', 'lab']],
  ['schedule add', scheduleAdd as CommandSpec, ['nightly', '--cron', '0 3 * * *']],
  ['wait', wait as CommandSpec, ['-q', '1sc46g00']],
  ['kill', kill as CommandSpec, ['1sc46g00']],
  ['rm', rm as CommandSpec, ['-n', '1sc46g00']],
];

t.test('every variadic command: the words after -- are the command argv, exactly', async (t) => {
  for (const [id, spec, before] of specs) {
    t.ok(spec.variadic, `${id} is variadic`);
    const raw = [...before, '--', ...AFTER];
    const fast = parseArgv(spec, raw);
    t.ok(fast, `${id}: the fast path parses it (no fall-through to help)`);
    t.same(fast!.dashdash, AFTER, `${id}: fast path`);
    t.equal(fast!.flags.json, false, `${id}: --json after -- is not blanket's`);
    const positional = before.filter((w, i) => !w.startsWith('-') && !(before[i - 1] ?? '').match(/^-(l|-cron)$/));
    t.same(fast!.argv, [...positional, ...AFTER], `${id}: argv in order`);
    t.same(splitAtDashdash(spec, raw), { positional, dashdash: AFTER }, `${id}: after oclif`);
  }
});

t.test('run: blanket flags after -- are the command words, not blanket flags', async (t) => {
  const p = parseArgv(run as CommandSpec, ['--', 'sh', '-c', 'echo "[$*]"', 'x', '-q', '--json', '-f', '-w'])!;
  t.same(p.dashdash, ['sh', '-c', 'echo "[$*]"', 'x', '-q', '--json', '-f', '-w']);
  t.same([p.flags.quiet, p.flags.json, p.flags.follow, p.flags.wait], [false, false, false, false]);
});

t.test('the first -- that ends options, not one given as a flag value', async (t) => {
  const raw = ['-l', '--', '--priority=3', '-e', '--', '--', 'make', '--', 'x'];
  const p = parseArgv(run as CommandSpec, raw)!;
  t.equal(p.flags.label, '--');
  t.same(p.flags.env, ['--']);
  t.same(p.dashdash, ['make', '--', 'x']);
  t.same(splitAtDashdash(run as CommandSpec, raw), { positional: [], dashdash: ['make', '--', 'x'] });
  t.same(splitAtDashdash(run as CommandSpec, ['-ql', '--', '--', 'y']), { positional: [], dashdash: ['y'] }, 'a short cluster ending in a value flag takes the next word');
  t.same(splitAtDashdash(run as CommandSpec, ['-l--', '--', 'y']), { positional: [], dashdash: ['y'] }, 'an inline value');
});

t.test('without --: no command words', async (t) => {
  const p = parseArgv(run as CommandSpec, ['greet', '-e', 'NAME=x'])!;
  t.equal(p.dashdash, undefined);
  t.same(splitAtDashdash(run as CommandSpec, ['greet', '-e', 'NAME=x']), { positional: ['greet'] });
  t.same(parseArgv(run as CommandSpec, ['--'])!.dashdash, [], 'a bare -- gives an empty command (run refuses it)');
});
