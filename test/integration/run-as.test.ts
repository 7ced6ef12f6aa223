// A type's user/group: its tasks and its own hooks run with that user's ids (and, through
// setpriv where it is, that user's supplementary groups); the result directory and what blanket
// writes into it belong to that user; refused with a code when the daemon is not root or the
// user or group does not exist (at type load, and again at submit). Tests run as root here:
// without root they are skipped, saying so.
import { execFileSync, spawn } from 'node:child_process';
import { chownSync, existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { jsonError } from '../helpers/cli.js';
import { BIN, testEnv, TestHome, waitFor, type RunResult } from '../helpers/home.js';
import { which } from '../../src/os/which.js';

const root = process.getuid?.() === 0;
const uidOf = (name: string) => Number(execFileSync('id', ['-u', name], { encoding: 'utf8' }).trim());

t.test('run as another user', { skip: root ? false : 'needs root (only root can run tasks as another user); run the suite as root to cover run-as' }, async (t) => {
  const nobody = uidOf('nobody');
  const postgres = uidOf('postgres');
  const nogroup = Number(execFileSync('getent', ['group', 'nogroup'], { encoding: 'utf8' }).split(':')[2]);
  const h = new TestHome(t, {
    workers: 2,
    types: {
      asnobody: `user = "nobody"\ncommand = "id -u > whoami; id -g >> whoami; echo \\"$HOME $USER\\"; echo made > made.txt"\non_success = "id -u > hook-uid"\n[[files]]\nname = "conf/in.txt"\ncontent = "x"\n`,
      aspg: `user = "postgres"\ngroup = "nogroup"\ncommand = "id -u; id -g; id -G"\n`,
      pgroups: `user = "postgres"\ncommand = "id -G"\n`,
      ghost: `user = "bk_no_such_user"\ncommand = "true"\n`,
      ghostgroup: `user = "nobody"\ngroup = "bk_no_such_group"\ncommand = "true"\n`,
    },
  });

  await t.test('the task, its files and its type hook are the user', async (t) => {
    const r = await h.run(['run', 'asnobody', '--wait', '-q']);
    t.equal(r.code, 0, r.stderr);
    const id = (await h.ok(['ps', '-q', '--type', 'asnobody'])).trim();
    const task = await h.task(id);
    t.match(task.runAs, { user: 'nobody', uid: nobody, gid: nobody });
    const dir = task.resultDir;
    t.equal(readFileSync(path.join(dir, 'whoami'), 'utf8'), `${nobody}\n${nobody}\n`, 'uid and gid');
    t.match(await h.ok(['logs', id]), /^\/nonexistent nobody\n$/, "HOME and USER are the user's");
    for (const f of ['.', 'stdout.log', 'stderr.log', 'made.txt', 'whoami', 'conf', 'conf/in.txt']) {
      t.equal(statSync(path.join(dir, f)).uid, nobody, `${f} belongs to nobody`);
    }
    t.equal(statSync(dir).mode & 0o777, 0o700, 'the result dir stays private (0700)');
    t.equal(statSync(path.join(dir, 'stdout.log')).mode & 0o777, 0o600, 'its output 0600');
    t.equal(statSync(h.paths.results).uid, 0, "the daemon's own directories stay the daemon's");
    t.equal(
      await waitFor('the on_success hook', () => existsSync(path.join(dir, 'hook-uid')) && readFileSync(path.join(dir, 'hook-uid'), 'utf8')),
      `${nobody}\n`,
      'the hook ran as nobody',
    );
    t.match(await h.ok(['show', id]), /user\s+nobody \(uid 65534/);
    t.match(await h.ok(['types', 'show', 'aspg']), /user\s+postgres:nogroup/);
    t.match(await h.ok(['types', 'export', 'aspg']), /^user = "postgres"\ngroup = "nogroup"$/m);
  });

  await t.test("a symlink the task leaves in its directory never leads blanket's root writes or reads elsewhere", async (t) => {
    const victim = path.join(h.dir, 'victim');
    writeFileSync(victim, '99 precious\n', { mode: 0o600 });
    const plant = ['task.json', 'stdout.log', 'stderr.log', 'conf/in.txt', '.progress'].map((f) => `rm -f ${f}; ln -s ${victim} ${f}`).join('; ');
    writeFileSync(
      path.join(h.paths.typesDir, 'sneaky.toml'),
      `user = "nobody"\nretries = 1\nretry_backoff = "1ms"\ncommand = '''\nif [ "$BLANKET_APP_ATTEMPT" = 1 ]; then ${plant}; exit 1; fi\necho second\n'''\non_failure = "printf '%s' {{OUTPUT}} > hook-out"\n[[files]]\nname = "conf/in.txt"\ncontent = "rendered"\n`,
    );
    await waitFor('the type to load', async () => (await h.run(['types', 'show', 'sneaky'])).code === 0);
    const id = (await h.ok(['run', 'sneaky', '-q'])).trim();
    const task = await h.waitState(id, ['ERROR', 'SUCCESS']);
    t.equal(task.attempt, 2, 'the second attempt met the planted links');
    t.match(task.reason, /cannot prepare the task directory/, 'and could not write through them as the task user');
    await waitFor('the on_failure hook', () => existsSync(path.join(task.resultDir, 'hook-out')));
    t.notMatch(readFileSync(path.join(task.resultDir, 'hook-out'), 'utf8'), /precious/, '{{OUTPUT}} did not read through the link');
    t.notMatch(JSON.stringify(task.progress ?? {}), /precious/, 'nor did progress');
    t.equal(readFileSync(victim, 'utf8'), '99 precious\n', 'the file the links point to is unchanged (task.json, output, rendered files)');
    t.equal(statSync(victim).uid, 0, 'and still root');
    t.equal(statSync(victim).mode & 0o777, 0o600);
  });

  await t.test('group sets the gid; the user keeps its supplementary groups where setpriv is', async (t) => {
    const id = (await h.ok(['run', 'aspg', '-q'])).trim();
    await h.waitState(id, ['SUCCESS']);
    const [u, g] = (await h.ok(['logs', id])).split('\n');
    t.equal(Number(u), postgres);
    t.equal(Number(g), nogroup);
    const pg = (await h.ok(['run', 'pgroups', '-q'])).trim();
    await h.waitState(pg, ['SUCCESS']);
    const groups = new Set((await h.ok(['logs', pg])).trim().split(' '));
    const want = new Set(execFileSync('id', ['-G', 'postgres'], { encoding: 'utf8' }).trim().split(' '));
    if (which('setpriv')) t.same(groups, want, `the user's groups (${[...want].join(' ')}), through setpriv --init-groups`);
    else t.same([...groups], [String(Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' })))], 'no setpriv: the primary group only (documented)');
  });

  await t.test('an unknown user or group is a type error at load, with file:line', async (t) => {
    const v = JSON.parse((await h.run(['types', 'validate', '--json'])).stdout) as { errors: { file: string; line?: number; message: string }[] };
    t.match(
      v.errors.find((e) => e.file.endsWith('ghost.toml')),
      { line: 1, message: /^user: no user named "bk_no_such_user" on this machine/ },
    );
    t.match(
      v.errors.find((e) => e.file.endsWith('ghostgroup.toml')),
      { line: 2, message: /^group: no group named "bk_no_such_group" on this machine/ },
    );
    jsonError(t, await h.run(['run', 'ghost', '--json']), 'UNKNOWN_TYPE');
  });

  await t.test('a user removed after the type loaded is refused at submit (UNKNOWN_USER), and nothing is queued', { skip: which('useradd') ? false : 'no useradd' }, async (t) => {
    const name = `bkgone${process.pid}`;
    execFileSync('useradd', ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', name]);
    let removed = false;
    const remove = () => {
      if (!removed) execFileSync('userdel', [name]);
      removed = true;
    };
    t.teardown(remove);
    writeFileSync(path.join(h.paths.typesDir, 'gone.toml'), `user = "${name}"\ncommand = "true"\n`);
    await waitFor('the type to load', async () => (await h.run(['types', 'show', 'gone'])).code === 0);
    remove();
    const before = (await h.ok(['ps', '-q', '-n', '1000'])).trim();
    const e = jsonError(t, await h.run(['run', 'gone', '--json']), 'UNKNOWN_USER');
    t.match(e.message, new RegExp(`no user named "${name}"`));
    t.match(e.hint, /create the user, or change user in .*gone\.toml/);
    t.equal((await h.ok(['ps', '-q', '-n', '1000'])).trim(), before, 'nothing queued');
  });
});

t.test('a daemon that is not root refuses a type with user (RUN_AS_NOT_ROOT)', { skip: root ? false : 'needs root to start a daemon as another user' }, async (t) => {
  const h = new TestHome(t, { workers: false, types: { aspg: `user = "postgres"\ncommand = "true"\n` } });
  // A task a root daemon accepted, for a rerun under the daemon that is not root.
  const earlier = await h.submit(['aspg']);
  await h.ok(['daemon', 'stop']);
  const nobody = uidOf('nobody');
  for (const f of ['', ...readdirSync(h.dir, { recursive: true }).map(String)]) chownSync(path.join(h.dir, f), nobody, nobody);
  // The CLI, and the daemon it starts, run as nobody.
  const asNobody = (args: string[]) =>
    new Promise<RunResult>((resolve) => {
      const c = spawn(process.execPath, [BIN, ...args], { env: testEnv(h.dir), uid: nobody, gid: nobody, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      c.stdout.on('data', (d) => (stdout += d));
      c.stderr.on('data', (d) => (stderr += d));
      c.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
    });
  const e = jsonError(t, await asNobody(['run', 'aspg', '--json']), 'RUN_AS_NOT_ROOT');
  t.match(e.message, /type aspg runs its tasks as user postgres, which only a daemon running as root can do/);
  t.match(e.hint, /run the daemon as root, or remove user = "postgres"/);
  const human = await asNobody(['run', 'aspg']);
  t.equal(human.code, 1);
  t.match(human.stderr, /code: RUN_AS_NOT_ROOT/);
  const again = jsonError(t, await asNobody(['rerun', earlier, '--json']), 'RUN_AS_NOT_ROOT');
  t.match(again.message, new RegExp(`task ${earlier} ran as user postgres, which only a daemon running as root can do`));
  t.equal((await asNobody(['ps', '-q'])).stdout, `${earlier}\n`, 'nothing queued');
  const v = await asNobody(['types', 'validate', 'aspg']);
  t.equal(v.code, 0, 'a warning, not an error: the file is right');
  t.match(v.stdout, /warning: .*aspg\.toml: user = "postgres": this daemon is not root, so its tasks will be refused at submit \(RUN_AS_NOT_ROOT\)/);
  await asNobody(['daemon', 'stop']);
});
