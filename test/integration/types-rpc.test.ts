// Task types over RPC: new (a starter file), add (stored in the database),
// export (TOML/JSON, taken back by add), rm (stored ones only), rescan.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { TestHome } from '../helpers/home.js';

t.test('types new, add, export, rm, rescan', async (t) => {
  const h = new TestHome(t, { config: 'types_paths = ["extra"]\n' });

  await t.test('new writes a commented starter that runs as it is', async (t) => {
    const file = (await h.ok(['types', 'new', 'starter', '-q'])).trim();
    t.equal(file, path.join(h.paths.typesDir, 'starter.toml'));
    t.match(readFileSync(file, 'utf8'), /^# starter: a blanket task type/);
    const r = await h.run(['run', 'starter', '-e', "WHO=O'Brien; rm -rf /", '--wait', '--result', 'stdout.log']);
    t.equal(r.code, 0, r.stderr);
    t.equal(r.stdout, "hello, O'Brien; rm -rf /\n");
    const again = await h.run(['types', 'new', 'starter', '--json']);
    t.equal(again.code, 1);
    t.equal(JSON.parse(again.stdout).error.code, 'EXISTS');
    const py = await h.json(['types', 'new', 'pystarter', '--executor', 'python3']);
    t.equal(py.type.executor, 'python3');
  });

  await t.test('export then add: the same type, stored, with db:NAME as its source', async (t) => {
    const toml = await h.ok(['types', 'export', 'greet']);
    t.match(toml, /^# greet: exported from .*greet\.toml/);
    const file = path.join(h.dir, 'copy.toml');
    writeFileSync(file, toml);
    const added = await h.json(['types', 'add', file]);
    t.match(added, { replaced: false, type: { name: 'copy', source: 'db:copy' } });
    const json = (n: string) => h.ok(['types', 'export', n, '--format', 'json']).then((s) => JSON.parse(s));
    t.same(await json('copy'), await json('greet'), 'field for field the same type');
    const r = await h.run(['run', 'copy', '-e', 'NAME=Ada', '--wait', '--result', 'stdout.log']);
    t.equal(r.stdout, 'hello, Ada! (1 times)\n');
    t.match(await h.ok(['types', 'ls']), /copy\s+bash\s+unix\s+db\s+Greet someone/);
  });

  await t.test('add from stdin, as JSON; adding again replaces', async (t) => {
    const doc = { description: 'json made', command: 'echo {{X}}', environment: { default: [{ name: 'X', value: 'from json' }] } };
    const a = await h.run(['types', 'add', '-', '--name', 'fromjson', '--json'], { input: JSON.stringify(doc) });
    t.equal(a.code, 0, a.stderr);
    t.match(JSON.parse(a.stdout), { replaced: false, type: { source: 'db:fromjson', command: 'echo {{X}}' } });
    const b = await h.run(['types', 'add', '-', '--name', 'fromjson', '--json'], { input: JSON.stringify({ ...doc, description: 'v2' }) });
    t.match(JSON.parse(b.stdout), { replaced: true, type: { description: 'v2' } });
    const noName = await h.run(['types', 'add', '-'], { input: '' });
    t.equal(noName.code, 2, 'stdin needs --name');
  });

  await t.test('a bad type is refused with file:line and nothing is stored', async (t) => {
    const file = path.join(h.dir, 'bad.toml');
    writeFileSync(file, 'command = "true"\n\ntimeout = "soon"\n');
    const r = await h.run(['types', 'add', file, '--json']);
    t.equal(r.code, 1);
    const { error } = JSON.parse(r.stdout);
    t.equal(error.code, 'TYPE_INVALID');
    t.match(error.message, `${file}:3: timeout: must be a whole number`);
    t.equal((await h.run(['types', 'show', 'bad'])).code, 1, 'not stored');
  });

  await t.test('a file type of the same name wins; rm takes only stored types', async (t) => {
    const shadow = path.join(h.dir, 'shadow');
    mkdirSync(shadow);
    writeFileSync(path.join(shadow, 'greet.toml'), 'description = "impostor"\ncommand = "true"\n');
    const r = await h.run(['types', 'add', path.join(shadow, 'greet.toml'), '--json']);
    t.equal(r.code, 0, r.stderr);
    t.match(JSON.parse(r.stdout), { shadowedBy: /task-types\/greet\.toml$/, type: { description: /^Greet someone/ } });
    t.match((await h.json(['types', 'show', 'greet'])).source, /task-types\/greet\.toml$/, 'the bundled file is in force');
    const rm = await h.json(['types', 'rm', 'greet']);
    t.match(rm, { removed: 'greet', inForce: /greet\.toml$/ });
    const again = await h.run(['types', 'rm', 'greet', '--json']);
    t.equal(JSON.parse(again.stdout).error.code, 'INVALID_STATE', 'a file type is its file’s to remove');
    t.match(JSON.parse(again.stdout).error.hint, /delete or rename .*greet\.toml/);
    t.equal(JSON.parse((await h.run(['types', 'rm', 'nosuch', '--json'])).stdout).error.code, 'UNKNOWN_TYPE');
  });

  await t.test('stored types survive a daemon restart', async (t) => {
    await h.ok(['daemon', 'restart']);
    t.equal((await h.json(['types', 'show', 'copy'])).source, 'db:copy');
    t.equal((await h.json(['types', 'show', 'fromjson'])).description, 'v2');
    t.same(await h.json(['types', 'rm', 'copy']), { removed: 'copy' });
    t.equal((await h.run(['types', 'show', 'copy'])).code, 1);
  });

  await t.test('rescan reads a directory that did not exist when the daemon started', async (t) => {
    t.equal((await h.run(['types', 'show', 'late'])).code, 1);
    mkdirSync(path.join(h.dir, 'extra'));
    writeFileSync(path.join(h.dir, 'extra', 'late.toml'), 'command = "echo late"\n');
    const r = await h.json(['types', 'rescan']);
    t.same(r.errors, []);
    t.ok(r.types >= 9);
    t.match(await h.json(['types', 'show', 'late']), { source: path.join(h.dir, 'extra', 'late.toml') });
    t.equal((await h.json(['types', 'show', 'fromjson'])).source, 'db:fromjson', 'stored types are still there');
    writeFileSync(path.join(h.dir, 'extra', 'broken.toml'), 'command = \n');
    const bad = await h.run(['types', 'rescan']);
    t.equal(bad.code, 1);
    t.match(bad.stdout, /error: .*broken\.toml:1: invalid TOML/);
    t.ok(existsSync(path.join(h.paths.typesDir, 'starter.toml')));
  });
});
