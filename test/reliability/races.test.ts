// Races: daemons started at once, a stop racing starts, a stale socket and a
// stale pid file naming someone else's process, and kills racing natural exits.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import t from 'tap';
import { DAEMON_ENTRY } from '../../src/pkg.js';
import { BlanketError } from '../../src/protocol/errors.js';
import { isTerminal } from '../../src/protocol/model.js';
import { processesOf, TestHome, testEnv, waitFor } from '../helpers/home.js';
import { exited, GroupLedger, scale, SOAK } from '../helpers/reliability.js';

// Scenarios wait on real processes and timeouts: more room than tap's default 180 s on a loaded machine.
t.setTimeout(SOAK ? 3_600_000 : 600_000);

/** This home's daemon processes, by command line. */
function daemonsOf(home: string): number[] {
  return processesOf(home).filter((p) => {
    try {
      return readFileSync(`/proc/${p}/cmdline`, 'utf8').includes('daemon/main.js');
    } catch {
      return false;
    }
  });
}

function exitOf(child: ChildProcess): Promise<{ code: number | null; stderr: string }> {
  let stderr = '';
  child.stderr?.on('data', (d) => (stderr += d));
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, stderr })));
}

t.test('10 daemons started at once on one home: exactly one serves, the others exit 3 and leave its socket alone', async (t) => {
  const h = new TestHome(t, { workers: false });
  const procs = Array.from({ length: 10 }, () => spawn(process.execPath, [DAEMON_ENTRY], { env: testEnv(h.dir), stdio: ['ignore', 'ignore', 'pipe'] }));
  const exits = procs.map(exitOf);
  await waitFor('nine of them to exit', () => procs.filter((p) => p.exitCode !== null).length >= 9, 60_000);
  const serving = procs.filter((p) => p.exitCode === null);
  t.equal(serving.length, 1, 'one is still running');
  const losers = await Promise.all(exits.filter((_, i) => procs[i] !== serving[0]));
  t.same(
    losers.map((l) => l.code),
    Array(9).fill(3),
    'the other nine exit 3',
  );
  for (const l of losers) t.match(l.stderr, /a daemon is already running for .*\n  hint: stop it with 'blanket daemon stop'/);
  const status = await h.json(['daemon', 'status']);
  t.equal(status.pid, serving[0]!.pid, 'the survivor answers on the socket');
  t.equal(h.daemonPid(), serving[0]!.pid, 'and the pid file names it');
  t.same(daemonsOf(h.dir), [serving[0]!.pid], 'no other daemon process is left');
});

t.test('10 commands at once on a home with no daemon: all succeed, one daemon starts', async (t) => {
  const h = new TestHome(t, { workers: false });
  const runs = await Promise.all(Array.from({ length: 10 }, () => h.run(['ps', '--json'], { timeoutMs: 60_000 })));
  t.same(
    runs.map((r) => r.code),
    Array(10).fill(0),
    runs.map((r) => r.stderr).join(''),
  );
  await waitFor('the losing starters to exit', () => daemonsOf(h.dir).length === 1, 30_000);
  t.equal(daemonsOf(h.dir)[0], h.daemonPid(), 'the one daemon is the one in the pid file');
});

t.test('a stale socket and a stale pid file naming another process', async (t) => {
  const h = new TestHome(t, { workers: false });
  mkdirSync(h.paths.run, { recursive: true, mode: 0o700 });
  // A socket file nobody listens on: its process was killed.
  const binder = spawn(process.execPath, ['-e', `require('net').createServer().listen(${JSON.stringify(h.paths.socket)}, () => console.log('up'))`], {
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  await new Promise((r) => binder.stdout!.once('data', r));
  binder.kill('SIGKILL');
  await new Promise((r) => binder.once('exit', r));
  t.ok(existsSync(h.paths.socket), 'the stale socket is there');
  const refused = await new Promise<string>((resolve) => net.connect(h.paths.socket).once('error', (e: NodeJS.ErrnoException) => resolve(e.code!)));
  t.equal(refused, 'ECONNREFUSED', 'nobody listens on it');
  // A pid file naming a live process that is not a daemon.
  const stranger = spawn('sleep', ['300'], { detached: true, stdio: 'ignore' });
  t.teardown(() => {
    try {
      process.kill(stranger.pid!, 'SIGKILL');
    } catch {
      // gone
    }
  });
  writeFileSync(h.paths.pidFile, `${stranger.pid}\n`);

  const status = await h.run(['daemon', 'status', '--json']);
  t.equal(status.code, 3, 'status: no daemon (exit 3)');
  t.equal(JSON.parse(status.stdout).error.code, 'DAEMON_UNAVAILABLE');
  const stop = await h.run(['daemon', 'stop', '--json']);
  t.equal(stop.code, 0);
  t.same(JSON.parse(stop.stdout), { stopped: false, pid: null }, 'stop: none was running');
  t.notOk(exited(stranger.pid!), 'the process the pid file named was not signalled');

  const ps = await h.run(['ps', '--json']);
  t.equal(ps.code, 0, `a command starts a daemon, replacing the stale socket: ${ps.stderr}`);
  const pid = h.daemonPid()!;
  t.not(pid, stranger.pid, 'the pid file names the new daemon');
  t.same(daemonsOf(h.dir), [pid]);
  t.equal((await h.json(['daemon', 'status'])).pid, pid);
  t.notOk(exited(stranger.pid!), 'and the other process still was not signalled');
  const again = await h.run(['daemon', 'start', '--json']);
  t.equal(JSON.parse(again.stdout).error.code, 'DAEMON_RUNNING');
  t.match(JSON.parse(again.stdout).error.message, `(pid ${pid})`);
});

t.test('a stop racing new starts: the new daemon keeps its socket', async (t) => {
  const h = new TestHome(t, { workers: false });
  for (let i = 0; i < 3; i++) {
    t.equal((await h.run(['daemon', 'start'])).code, 0, `round ${i}: started`);
    const old = h.daemonPid()!;
    const stopping = h.run(['daemon', 'stop']);
    // Commands keep coming while it stops: each either reaches the old daemon or starts a new one.
    const cmds = await Promise.all(Array.from({ length: 4 }, (_, k) => new Promise((r) => setTimeout(r, k * 40)).then(() => h.run(['ps', '-q'], { timeoutMs: 60_000 }))));
    // Each is answered, by the old daemon or a new one; one cut off by the stop says so (exit 3), never hangs.
    for (const r of cmds) t.ok(r.code === 0 || (r.code === 3 && /DAEMON_UNAVAILABLE/.test(r.stderr)), `round ${i}: answered, or a clear error: ${r.code} ${r.stderr}`);
    t.equal((await stopping).code, 0);
    await waitFor('the old daemon to be gone', () => exited(old), 30_000);
    const live = daemonsOf(h.dir);
    if (live.length === 0) {
      t.pass(`round ${i}: the commands all reached the old daemon; none runs now`);
      continue;
    }
    t.equal(live.length, 1, `round ${i}: one daemon runs`);
    t.ok(existsSync(h.paths.socket), `round ${i}: its socket is there`);
    t.equal((await h.json(['daemon', 'status'])).pid, live[0], `round ${i}: and it answers on it`);
    t.equal(h.daemonPid(), live[0], `round ${i}: the pid file names it`);
    await h.run(['daemon', 'stop']);
  }
});

t.test('kills racing natural exits: each task ends in exactly one terminal state', async (t) => {
  const groups = new GroupLedger(t);
  const h = new TestHome(t, { workers: 4, config: 'kill_grace = "1s"\n', types: { blip: 'command = "sleep 0.$((RANDOM % 4))"\n' } });
  groups.home = h.dir;
  const c = await h.client();
  const terminal = new Map<string, number>();
  await c.subscribe({ kinds: ['task'] }, (e) => {
    if (e.kind === 'task' && isTerminal(e.task.state) && e.from !== e.task.state) terminal.set(e.task.id, (terminal.get(e.task.id) ?? 0) + 1);
  });
  const N = scale(40, 300);
  const ids: string[] = [];
  const refused: string[] = [];
  const one = async () => {
    const { task } = await c.call('run', { type: 'blip' });
    ids.push(task.id);
    await new Promise((r) => setTimeout(r, Math.floor(Math.random() * 600)));
    try {
      await c.call('kill', { ids: [task.id] });
    } catch (err) {
      if (!(err instanceof BlanketError && err.code === 'INVALID_STATE')) throw err;
      refused.push(task.id); // it had ended already: the kill changes nothing
    }
  };
  for (let i = 0; i < N; i += 4) await Promise.all(Array.from({ length: Math.min(4, N - i) }, one));
  const done = await Promise.all(ids.map((id) => h.waitState(id, ['SUCCESS', 'STOPPED', 'ERROR', 'LOST', 'TIMEDOUT', 'SKIPPED'], 60_000)));
  groups.note(done);
  await waitFor('every terminal event', () => ids.every((id) => terminal.has(id)), 30_000);
  // A kill before a worker claimed it cancels it (no attempt); after, it stops the one attempt.
  const wrong = done.filter(
    (x) => !['SUCCESS', 'STOPPED'].includes(x.state) || x.attempts.length > 1 || (x.attempts.length === 1 && x.attempts[0]!.outcome !== x.state) || terminal.get(x.id) !== 1,
  );
  t.same(wrong, [], 'SUCCESS or STOPPED, at most one attempt and its outcome is the state, one terminal transition');
  t.same(
    done.filter((x) => refused.includes(x.id) && x.state !== 'SUCCESS').map((x) => x.id),
    [],
    'a refused kill left its task SUCCESS',
  );
  t.comment(
    `${done.filter((x) => x.state === 'SUCCESS').length} ended on their own, ${done.filter((x) => x.state === 'STOPPED' && x.attempts.length).length} were stopped running, ${done.filter((x) => !x.attempts.length).length} cancelled before they ran, ${refused.length} kills came too late`,
  );
});
