// Bad input through the real CLI: a clear message, a stable code (also in
// --json), a non-zero exit, and nothing changed.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { humanError, jsonError, snapshot } from '../helpers/cli.js';
import { TestHome, waitFor } from '../helpers/home.js';

const h = new TestHome(t, { workers: false });
mkdirSync(h.paths.typesDir, { recursive: true });
const typeFile = (name: string) => path.join(h.paths.typesDir, `${name}.toml`);
writeFileSync(typeFile('needs_two'), 'description = "two required"\ncommand = "echo {{A}} {{B}}"\n[[environment.required]]\nname = "A"\n[[environment.required]]\nname = "B"\n');
writeFileSync(typeFile('hot'), 'description = "v1"\nexecutor = "sh"\ncommand = "echo v1"\n');
// A known executor (its flag is known) that is not installed: blanket-no-such-dir/bash.
writeFileSync(typeFile('no_exec'), 'executor = "/blanket-no-such-dir/bash"\ncommand = "x"\n');
writeFileSync(typeFile('undeclared'), 'executor = "sh"\ncommand = "echo {{WHO}}"\n');
const client = await h.client();
const seed = await client.call('run.batch', { tasks: [{ type: 'echo_task' }, { type: 'echo_task' }, { type: 'echo_task' }] });

t.test('unknown type: suggests the closest name', async (t) => {
  const before = await snapshot(client);
  const json = jsonError(t, await h.run(['run', 'echo_tsak', '--json']), 'UNKNOWN_TYPE');
  t.equal(json.message, 'unknown task type "echo_tsak": did you mean "echo_task"?');
  t.equal(json.suggestion, 'echo_task');
  t.match(json.hint, /blanket types ls/);
  t.same(await snapshot(client), before, 'nothing changed');
});

t.test('missing required env: names every missing variable', async (t) => {
  const before = await snapshot(client);
  const both = jsonError(t, await h.run(['run', 'needs_two', '--json']), 'MISSING_ENV');
  t.equal(both.message, 'task type needs_two requires A, B');
  t.same(both.missing, ['A', 'B']);
  t.equal(both.hint, '-e A=… -e B=…');
  const one = jsonError(t, await h.run(['run', 'needs_two', '-e', 'B=2', '--json']), 'MISSING_ENV');
  t.same(one.missing, ['A']);
  t.same(await snapshot(client), before, 'nothing changed');
});

t.test('-e without =, and other usage errors, exit 2', async (t) => {
  const before = await snapshot(client);
  const e = jsonError(t, await h.run(['run', 'greet', '-e', 'NAME', '--json']), 'USAGE', 2);
  t.equal(e.message, '-e NAME: expected NAME=VALUE');
  t.equal(e.hint, 'write -e NAME=value');
  humanError(t, await h.run(['run', 'greet', '-e', '1X=y']), 'USAGE', /"1X" is not a valid environment variable name/, 2);
  humanError(t, await h.run(['run']), 'USAGE', /no task type given/, 2);
  t.same(await snapshot(client), before, 'nothing changed');
});

t.test('a flag where a value should be is a missing value, not the value', async (t) => {
  const before = await snapshot(client);
  // The fast path used to take --json as the label and submit the task.
  const e = jsonError(t, await h.run(['run', 'echo_task', '--label', '--json']), 'USAGE', 2);
  t.match(e.message, /--label expects a value/);
  humanError(t, await h.run(['run', 'echo_task', '-l', '-q']), 'USAGE', /--label expects a value/, 2);
  t.same(await snapshot(client), before, 'nothing changed');
});

t.test('an id prefix that matches several tasks lists the candidates', async (t) => {
  const ids = seed.ids;
  let prefix = ids[0]!;
  while (!ids.every((id) => id.startsWith(prefix))) prefix = prefix.slice(0, -1);
  t.ok(prefix.length >= 1, `the seeded tasks share the prefix ${prefix}`);
  const before = await snapshot(client);
  const e = jsonError(t, await h.run(['show', prefix, '--json']), 'AMBIGUOUS_ID');
  t.equal(e.message, `${prefix} matches several tasks: ${ids.join(', ')}`);
  t.same(e.candidates, ids);
  t.match(e.hint, /more characters/);
  jsonError(t, await h.run(['rm', prefix, '--json']), 'AMBIGUOUS_ID');
  const nf = jsonError(t, await h.run(['rm', ids[0]!, 'zzzzzzz', '--json']), 'NOT_FOUND');
  t.equal(nf.message, 'no task zzzzzzz');
  t.same(await snapshot(client), before, 'nothing removed: all or nothing');
  t.equal((await client.call('show', { id: ids[1]! })).task.id, ids[1], 'a whole id works');
});

t.test('refused over RPC too, with codes: executor missing, template without a value, bad --after', async (t) => {
  const before = await snapshot(client);
  const refused = async (params: Parameters<typeof client.call<'run'>>[1], code: string, message: RegExp) => {
    const err = await client.call('run', params).then(
      () => undefined,
      (e: unknown) => e as { code: string; message: string },
    );
    t.equal(err?.code, code, `${JSON.stringify(params)}: ${code}`);
    t.match(err?.message, message);
  };
  await refused({ type: 'no_exec' }, 'EXECUTOR_MISSING', /the executor "\/blanket-no-such-dir\/bash" of type no_exec is not on PATH/);
  await refused({ type: 'undeclared' }, 'TEMPLATE', /undeclared: template uses WHO, which has no value/);
  let prefix = seed.ids[0]!;
  while (!seed.ids.every((id) => id.startsWith(prefix))) prefix = prefix.slice(0, -1);
  await refused({ type: 'echo_task', after: [prefix] }, 'AMBIGUOUS_ID', /matches several tasks/);
  await refused({ type: 'echo_task', after: ['zzzzzzz'] }, 'NOT_FOUND', /no task zzzzzzz/);
  await refused({ type: 'echo_task', env: { 'BAD-NAME': 'x' } as Record<string, string> }, 'INVALID_PARAMS', /env\.BAD-NAME: expected a key matching/);
  t.same(await snapshot(client), before, 'nothing changed');
  const validate = await client.call('types.validate', { name: 'no_exec' });
  t.match(validate, { ok: false, errors: [{ message: /executor: "\/blanket-no-such-dir\/bash" is not on PATH \(no_exec\)/ }] });
  const undeclared = await client.call('types.validate', { name: 'undeclared' });
  t.match(undeclared.warnings, [/command uses WHO, which the environment does not declare/]);
});

t.test('task type files: invalid TOML and bad fields give file:line', async (t) => {
  const badToml = path.join(h.dir, 'broken.toml');
  writeFileSync(badToml, 'description = "x"\ncommand = "echo"\ntimeout = \n');
  const r = await h.run(['types', 'validate', badToml]);
  t.equal(r.code, 1);
  t.match(r.stdout, new RegExp(`^error: ${badToml.replace(/[.]/g, '\\.')}:3: invalid TOML: `, 'm'));
  const badField = path.join(h.dir, 'badfield.toml');
  writeFileSync(badField, 'description = "x"\n\ncommand = "echo"\nretries = "many"\n');
  const j = await h.run(['types', 'validate', badField, '--json']);
  t.equal(j.code, 1);
  t.match(JSON.parse(j.stdout), { ok: false, errors: [{ file: badField, line: 4, message: 'retries: must be a whole number from 0 to 1000' }] });
  const good = await h.run(['types', 'validate', 'greet']);
  t.equal(good.code, 0, good.stdout);
  t.match(good.stdout, /^ok: 1 type checked \(greet\)$/m);
});

t.test('a broken type file keeps its last good version in force (hot reload)', async (t) => {
  t.match(await client.call('types.show', { name: 'hot' }), { command: 'echo v1', description: 'v1' });
  // Broken: invalid TOML on line 2. The watcher re-reads it; the error is reported with file:line.
  writeFileSync(typeFile('hot'), 'description = "v2"\ncommand = = "echo v2"\n');
  const errors = await waitFor('the broken file to be reported', async () => {
    const ls = await client.call('types.ls', {});
    const errs = ls.errors.filter((e) => e.file === typeFile('hot'));
    return errs.length ? errs : undefined;
  });
  t.match(errors, [{ line: 2, message: /^invalid TOML/ }]);
  const shown = await client.call('types.show', { name: 'hot' });
  t.match(shown, { command: 'echo v1', description: 'v1' }, 'the last good version is in force');
  t.match(shown.error, `${typeFile('hot')}:2: invalid TOML`);
  const run = await client.call('run', { type: 'hot' });
  t.equal(run.task.command, 'echo v1', 'tasks use the last good version');
  t.match(run.warnings, [/has errors in its file; the last good version was used/]);
  const ls = await h.run(['types', 'ls']);
  t.equal(ls.code, 0);
  t.match(ls.stdout, new RegExp(`^Problems\\n${typeFile('hot').replace(/[.]/g, '\\.')}:2: invalid TOML`, 'm'));

  // A bad field is no different.
  writeFileSync(typeFile('hot'), 'description = "v3"\ncommand = "echo v3"\ntimeout = -5\n');
  await waitFor('the bad field to be reported', async () => (await client.call('types.ls', {})).errors.some((e) => e.file === typeFile('hot') && e.line === 3));
  t.match(await client.call('types.show', { name: 'hot' }), { command: 'echo v1' });

  // Fixed: the new version takes over and the problem goes away.
  writeFileSync(typeFile('hot'), 'description = "v4"\nexecutor = "sh"\ncommand = "echo v4"\n');
  const fixed = await waitFor('the fixed file to load', async () => {
    const s = await client.call('types.show', { name: 'hot' });
    return s.command === 'echo v4' ? s : undefined;
  });
  t.equal(fixed.error, undefined);
  t.same((await client.call('types.ls', {})).errors, []);
});
