// Private by default: what blanket keeps of a task (its env in the store, task.json,
// rendered files, output, logs, backups) is readable by its user alone, and a home
// made open by an older blanket is tightened at start, with one log line.
import { chmodSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { TestHome } from '../helpers/home.js';

/** Every file under `dir` (not following links), with its mode bits. */
function walk(dir: string, out: Array<{ file: string; mode: number }> = []): Array<{ file: string; mode: number }> {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) walk(p, out);
    else if (e.isFile()) out.push({ file: p, mode: statSync(p).mode & 0o777 });
  }
  return out;
}

const octal = (mode: number) => mode.toString(8).padStart(3, '0');

t.test('a task with a secret in its env: every file holding it is 0600, every directory above it 0700', async (t) => {
  const secret = `s3cret-${process.pid}-${Date.now()}`;
  const h = new TestHome(t, {
    types: {
      leak: [
        'command = \'echo "out $TOKEN"; echo "err $TOKEN" >&2; echo made > made-by-task\'',
        '[[environment.required]]',
        'name = "TOKEN"',
        '[[files]]',
        'name = "conf/token.txt"',
        'content = "token={{TOKEN}}"',
        '',
      ].join('\n'),
    },
  });
  // The CLI starts the daemon under this process's umask, as a user's shell would: the usual 022.
  const userUmask = 0o022;
  const before = process.umask(userUmask);
  t.teardown(() => void process.umask(before));
  const ran = await h.run(['run', 'leak', '-e', `TOKEN=${secret}`, '--wait', '--json']);
  t.equal(ran.code, 0, ran.stderr);
  const task = JSON.parse(ran.stdout).task;
  await h.ok(['db', 'backup']);
  await h.ok(['daemon', 'stop']); // the store's log is on disk, task.json is written

  const holding = walk(h.dir).filter((f) => readFileSync(f.file).includes(secret));
  const names = holding.map((f) => path.relative(h.dir, f.file));
  for (const want of [/^results\/.*\/stdout\.log$/, /^results\/.*\/stderr\.log$/, /^results\/.*\/task\.json$/, /^results\/.*\/conf\/token\.txt$/, /^db\//, /^backups\//]) {
    t.ok(
      names.some((n) => want.test(n)),
      `the secret is in ${want} (${names.join(' ')})`,
    );
  }
  for (const f of holding) t.equal(octal(f.mode), '600', `${path.relative(h.dir, f.file)} is 0600`);
  const dirs = new Set<string>();
  for (const f of holding) for (let d = path.dirname(f.file); d.startsWith(h.dir); d = path.dirname(d)) dirs.add(d);
  for (const d of dirs) t.equal(octal(statSync(d).mode & 0o777), '700', `${path.relative(h.dir, d) || 'the home'} is 0700`);
  // Tables are compressed (a secret need not show in their bytes): every file of the store, its backups and the logs.
  for (const f of [...walk(h.paths.db), ...walk(path.join(h.dir, 'backups')), ...walk(h.paths.logs)]) t.equal(octal(f.mode), '600', `${path.relative(h.dir, f.file)} is 0600`);

  // The task's own files get the umask the daemon was started with, as in the user's shell.
  const made = statSync(path.join(task.resultDir, 'made-by-task')).mode & 0o777;
  t.equal(octal(made), octal(0o666 & ~userUmask), 'a file the task made has the usual mode');
});

t.test('a home left open (0755) is tightened to 0700 at start, with one log line', async (t) => {
  const before = process.umask(0o022);
  t.teardown(() => void process.umask(before));
  const h = new TestHome(t, { workers: false });
  const open = [h.dir, h.paths.results, h.paths.logs, h.paths.db, h.paths.run, path.join(h.dir, 'backups')];
  for (const d of open) {
    mkdirSync(d, { recursive: true });
    chmodSync(d, 0o755);
  }
  await h.ok(['daemon', 'start']);
  for (const d of open) t.equal(octal(statSync(d).mode & 0o777), '700', `${path.relative(h.dir, d) || 'the home'} is 0700 now`);
  const lines = readFileSync(path.join(h.paths.logs, 'daemon.log'), 'utf8')
    .split('\n')
    .filter((l) => l.includes('made directories private'))
    .map((l) => JSON.parse(l) as { level: string; dirs: string[] });
  t.equal(lines.length, 1, 'one log line');
  t.equal(lines[0]?.level, 'warn');
  t.same([...(lines[0]?.dirs ?? [])].sort(), open.map((d) => `${d} (was 755)`).sort(), 'naming each directory and the mode it had');

  await h.ok(['daemon', 'stop']);
  await h.ok(['daemon', 'start']);
  t.equal(readFileSync(path.join(h.paths.logs, 'daemon.log'), 'utf8').split('made directories private').length - 1, 1, 'a private home is not reported again');
});
