// The daemon's lifecycle: one per home, a private socket, and recovery from a
// kill -9 that left its socket behind.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { DAEMON_ENTRY } from '../../src/pkg.js';
import { jsonError } from '../helpers/cli.js';
import { TestHome, testEnv, waitFor } from '../helpers/home.js';

/** Gone, or a zombie: it has exited either way. */
function exited(pid: number): boolean {
  try {
    return /^\d+ \(.*\) Z/s.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return true;
  }
}

const mode = (p: string) => statSync(p).mode & 0o777;

t.test('start, a second start, a second daemon process, kill -9 and a stale socket', async (t) => {
  const h = new TestHome(t, { workers: false });

  const none = jsonError(t, await h.run(['daemon', 'status', '--json']), 'DAEMON_UNAVAILABLE', 3);
  t.match(none.message, `no daemon is running for ${h.dir}`);
  t.equal(existsSync(h.paths.db), false, 'status does not start one');

  const started = await h.run(['daemon', 'start', '--json']);
  t.equal(started.code, 0, started.stderr);
  const { pid } = JSON.parse(started.stdout) as { pid: number };
  t.equal(h.daemonPid(), pid, 'the pid file names it');
  t.equal(mode(h.paths.run), 0o700, 'socket dir 0700');
  t.ok(statSync(h.paths.socket).isSocket());
  t.equal(mode(h.paths.socket), 0o600, 'socket 0600');

  const again = jsonError(t, await h.run(['daemon', 'start', '--json']), 'DAEMON_RUNNING');
  t.match(again.message, `a daemon is already running for ${h.dir} (pid ${pid})`, 'says which pid serves');
  t.match(again.hint, /blanket daemon stop/);

  // A second daemon process started by hand meets the store lock and says who holds it.
  const second = spawnSync(process.execPath, [DAEMON_ENTRY], { env: testEnv(h.dir), encoding: 'utf8', timeout: 20_000 });
  t.equal(second.status, 3, `exit 3: ${second.stderr}`);
  t.match(second.stderr, `blanket daemon: a daemon is already running for ${h.dir} (pid ${pid})`);

  const client = await h.client();
  const { task } = await client.call('run', { type: 'echo_task' });
  client.close();

  process.kill(pid, 'SIGKILL');
  await waitFor('the daemon to die', () => exited(pid));
  t.ok(existsSync(h.paths.socket), 'kill -9 left the socket file behind');

  const ps = await h.run(['ps', '--json']);
  t.equal(ps.code, 0, `the next command replaces the stale socket and works: ${ps.stderr}`);
  t.same(
    JSON.parse(ps.stdout).queued.map((x: { id: string }) => x.id),
    [task.id],
    'the queued task survived the kill',
  );
  const newPid = h.daemonPid();
  t.ok(newPid && newPid !== pid, 'a new daemon serves');
  t.ok(statSync(h.paths.socket).isSocket());
  t.equal(mode(h.paths.socket), 0o600);

  const stop = await h.run(['daemon', 'stop', '--json']);
  t.same(JSON.parse(stop.stdout), { stopped: true, pid: newPid });
  t.ok(exited(newPid!), 'stop waits until it has exited');
  t.equal(existsSync(h.paths.socket), false, 'a clean stop removes the socket');
  t.equal(h.daemonPid(), undefined, 'and the pid file');
});

t.test('a run dir left open by someone else is made private again', async (t) => {
  const h = new TestHome(t, { workers: false });
  mkdirSync(h.paths.run, { mode: 0o755 });
  t.equal(mode(h.paths.run), 0o755);
  const r = await h.run(['daemon', 'start']);
  t.equal(r.code, 0, r.stderr);
  t.equal(mode(h.paths.run), 0o700);
  t.equal(mode(h.paths.socket), 0o600);
});

t.test('a daemon the CLI starts runs in /, not in the caller directory; a relative BLANKET_HOME still names the same home', async (t) => {
  const h = new TestHome(t, { workers: false });
  const where = path.join(h.dir, 'caller');
  mkdirSync(where);
  const first = await h.run(['ps'], { cwd: where });
  t.equal(first.code, 0, first.stderr);
  const pid = h.daemonPid()!;
  t.equal(readlinkSync(`/proc/${pid}/cwd`), '/', 'the daemon holds no directory of the caller');
  const relative = await h.run(['ps', '--json'], { cwd: path.dirname(h.dir), env: { BLANKET_HOME: path.basename(h.dir) } });
  t.equal(relative.code, 0, relative.stderr);
  t.equal(h.daemonPid(), pid, 'the same daemon answers');
  await h.ok(['daemon', 'stop']);
  const restarted = await h.run(['ps'], { cwd: path.dirname(h.dir), env: { BLANKET_HOME: path.basename(h.dir) } });
  t.equal(restarted.code, 0, restarted.stderr);
  t.ok(existsSync(h.paths.socket), 'started from a relative BLANKET_HOME, it serves the home by its absolute path');
  t.equal(readlinkSync(`/proc/${h.daemonPid()!}/cwd`), '/');
});

t.test('a method the daemon does not have (a daemon older than the CLI) says to restart it', async (t) => {
  const h = new TestHome(t, { workers: false });
  const c = await h.client();
  t.teardown(() => c.close());
  // As a newer client would call a method this daemon was built without.
  const err = await c.call('launch.missiles' as 'ps', {} as never).catch((e: unknown) => e);
  t.match(err, { code: 'METHOD_NOT_FOUND', message: /the daemon does not know launch\.missiles: it is older than this blanket/, hint: /blanket daemon restart/ });
});
