// A full disk gives errors, not corruption: submits fail cleanly with STORE_FULL,
// the daemon keeps answering, an exit that could not be stored is retried, and
// everything resumes when space returns. First on a real full disk (a small
// tmpfs, when this machine lets us mount one), then with a write failure injected
// into the store, which needs no privileges.
import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import t from 'tap';
import type { LevelStore } from '../../src/daemon/store/level.js';
import { BlanketError } from '../../src/protocol/errors.js';
import { makeLevelStore } from '../helpers/level.js';
import { draft, T0 } from '../helpers/tasks.js';
import { TestHome, waitFor } from '../helpers/home.js';
import { allTasks, GroupLedger, liveMembers, SOAK } from '../helpers/reliability.js';

// Scenarios wait on real processes and timeouts: more room than tap's default 180 s on a loaded machine.
t.setTimeout(SOAK ? 3_600_000 : 600_000);

/** Write zeros until the file system is full. */
function fill(file: string): number {
  const fd = openSync(file, 'w');
  let n = 0;
  try {
    for (const size of [1024 * 1024, 4096, 1]) {
      const buf = Buffer.alloc(size);
      for (;;) {
        try {
          n += writeSync(fd, buf);
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code === 'ENOSPC') break;
          throw err;
        }
      }
    }
  } finally {
    closeSync(fd);
  }
  return n;
}

const isFull = (err: unknown) => err instanceof BlanketError && err.code === 'STORE_FULL';

// A real full disk needs a file system we can fill: a tmpfs, which only root (CAP_SYS_ADMIN) may mount.
const mp = mkdtempSync(path.join(os.tmpdir(), 'bk-full-'));
let cannotMount: string | false = false;
try {
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=48m', 'tmpfs', mp], { stdio: 'pipe' });
} catch (err) {
  rmSync(mp, { recursive: true, force: true });
  cannotMount = `cannot mount a tmpfs here (${String((err as { stderr?: Buffer }).stderr ?? err).trim()}): it needs root or CAP_SYS_ADMIN; the injected-failure test covers the store's side`;
}
// At the very end, after every test's home (and its daemon) is gone.
if (!cannotMount) {
  t.teardown(() => {
    execFileSync('umount', [mp]);
    rmSync(mp, { recursive: true, force: true });
  });
}

t.test('a full disk under the home (a 48 MiB tmpfs)', { skip: cannotMount }, async (t) => {
  const groups = new GroupLedger(t);
  const h = new TestHome(t, { parent: mp, workers: 2, types: { nap: 'command = "sleep 2"\n', quiet: 'command = "true"\n' } });
  groups.home = h.dir;
  const c = await h.client();
  const before = (await c.call('run', { type: 'quiet' })).task.id;
  await h.waitState(before, ['SUCCESS'], 60_000);
  const nap = await h.waitState((await c.call('run', { type: 'nap' })).task.id, ['RUNNING'], 60_000);
  groups.note([nap]);

  const filled = fill(path.join(mp, 'filler'));
  t.pass(`the disk is full (${Math.round(filled / 1024 / 1024)} MiB of filler)`);
  const acked: string[] = [];
  let full: BlanketError | undefined;
  for (let i = 0; i < 1000 && !full; i++) {
    try {
      acked.push((await c.call('run', { type: 'quiet' })).task.id);
    } catch (err) {
      if (!isFull(err)) throw err;
      full = err as BlanketError;
    }
  }
  t.ok(full, `a submit fails with STORE_FULL (after ${acked.length} that still fit in pages already allocated)`);
  t.match(full?.message, /the disk is (still )?full.*: nothing was written/);
  t.match(full?.hint, /free disk space/);
  const cli = await h.run(['run', 'quiet', '--json']);
  t.equal(cli.code, 1, 'the CLI exits 1');
  t.equal(JSON.parse(cli.stdout).error.code, 'STORE_FULL');
  t.ok((await c.call('ps', { limit: 5 })).counts, 'ps still answers');
  t.equal((await c.call('daemon.status', {})).pid, h.daemonPid(), 'status still answers');
  // The nap ends while the disk is full: its worker cannot get its exit stored yet, and keeps it.
  await waitFor('the nap to exit', () => liveMembers(nap.pgid!, h.dir).length === 0, 30_000);
  t.equal((await h.task(nap.id)).state, 'RUNNING', 'its exit is not stored yet');

  rmSync(path.join(mp, 'filler'));
  const after = await waitFor(
    'a submit to be accepted again',
    async () => {
      try {
        return (await c.call('run', { type: 'quiet' })).task.id;
      } catch (err) {
        if (isFull(err)) return undefined;
        throw err;
      }
    },
    30_000,
  );
  t.pass('space is back: submits work again, with no restart');
  const napDone = await h.waitState(nap.id, ['SUCCESS', 'ERROR', 'LOST', 'STOPPED'], 90_000);
  t.equal(napDone.state, 'SUCCESS', 'the exit kept by its worker was stored once space came back');
  for (const id of [...acked, after]) await h.waitState(id, ['SUCCESS'], 60_000);
  t.pass(`every acknowledged task ran (${acked.length + 1})`);
  const check = await c.call('db.check', {});
  t.same(check.problems, [], 'db check: no damage');
  const tasks = await allTasks(c);
  groups.note(tasks);
  t.same(
    [before, nap.id, ...acked, after].filter((id) => !tasks.some((x) => x.id === id)),
    [],
    'nothing acknowledged was lost',
  );
  c.close();
  await h.ok(['daemon', 'stop']);
  const offline = JSON.parse((await h.run(['db', 'check', '--json'])).stdout);
  t.match(offline, { ok: true, via: 'direct' }, 'and the files are sound: db check with the daemon stopped');
});

/** CPU time (user + system) a process has used, in seconds, from /proc/<pid>/stat. */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK; // utime and stime: fields 14 and 15
}
const CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

t.test('a full disk with due work: the daemon backs off instead of spinning, and catches up when space returns', { skip: cannotMount }, async (t) => {
  const h = new TestHome(t, { parent: mp, workers: 1, types: { quiet: 'command = "true"\n' } });
  const c = await h.client();
  await c.call('schedule.add', { name: 'tick', cron: '* * * * * *', type: 'quiet' });
  await waitFor('the schedule to fire', async () => (await allTasks(c)).some((x) => x.schedule?.name === 'tick' && x.state === 'SUCCESS'), 30_000);
  const notBefore = Date.now() + 8_000;
  const delayed = (await c.call('run', { type: 'quiet', notBefore })).task.id;

  fill(path.join(mp, 'filler'));
  // Pages LevelDB already holds take a few more writes; the first refused one leaves the store not writing.
  await waitFor(
    'a submit to fail with STORE_FULL',
    async () => {
      try {
        await c.call('run', { type: 'quiet' });
        return false;
      } catch (err) {
        if (isFull(err)) return true;
        throw err;
      }
    },
    30_000,
  );
  // Both the delayed task and the schedule's next fire are due now, and neither can be written.
  await waitFor('the delayed task to be due', () => Date.now() > notBefore + 500, 30_000);
  t.equal((await h.task(delayed)).state, 'WAITING', 'the due task could not be released');

  const pid = h.daemonPid()!;
  const [cpu0, wall0] = [cpuSeconds(pid), Date.now()];
  await new Promise((r) => setTimeout(r, 10_000)); // the window the issue names: CPU over 10 s
  const share = (cpuSeconds(pid) - cpu0) / ((Date.now() - wall0) / 1000);
  t.ok(share < 0.05, `the daemon used ${(share * 100).toFixed(1)} % of a core over 10 s with a full disk (under 5 %)`);
  t.equal((await c.call('daemon.status', {})).pid, pid, 'and still answers');

  rmSync(path.join(mp, 'filler'));
  const freedAt = Date.now();
  t.equal((await h.waitState(delayed, ['SUCCESS'], 60_000)).state, 'SUCCESS', 'space is back: the due task is released and runs');
  await waitFor('the schedule to fire again', async () => (await allTasks(c)).some((x) => x.schedule?.name === 'tick' && x.createdAt >= freedAt), 60_000);
  t.pass('and the schedule fires again');
  // Every failure on the way was handled (and logged as such), none left to the catch-all.
  t.notMatch(readFileSync(path.join(h.paths.logs, 'daemon.log'), 'utf8'), /unhandled rejection/, 'no unhandled rejection in the daemon log');
  c.close();
});

t.test('a write that fails for want of space changes nothing, and the store resumes', async (t) => {
  const handle = await makeLevelStore(t as never);
  const store = handle.store as LevelStore;
  const [a] = await store.submit([draft()], T0);
  const db = (store as unknown as { db: { batch: (...args: unknown[]) => Promise<void> } }).db;
  const batch = db.batch.bind(db);
  let failures = 0;
  db.batch = (...args: unknown[]) => (failures-- > 0 ? Promise.reject(new Error('IO error: 000005.log: No space left on device')) : batch(...args));

  failures = 1;
  await t.rejects(store.submit([draft()], T0 + 1), { kind: 'full', message: /the disk is full: nothing was written/ } as never);
  t.equal(store.counts().WAITING, 1, 'the counters did not move');
  const [b] = await store.submit([draft()], T0 + 2);
  t.pass('the next write reopened the store and went through');
  t.equal(store.counts().WAITING, 2);

  failures = 1;
  await t.rejects(store.apply(a!.id, { type: 'kill', at: T0 + 3 }), { kind: 'full' } as never);
  t.equal((await store.get(a!.id))?.state, 'WAITING', 'a failed change leaves the task as it was');
  t.equal((await store.apply(a!.id, { type: 'kill', at: T0 + 4 }))[0]!.task.state, 'STOPPED', 'and can be made once there is room');

  failures = 1;
  await t.rejects(store.claim({ worker: 'w', tags: ['bash', 'unix'], now: T0 + 5 }), { kind: 'full' } as never);
  t.equal((await store.get(b!.id))?.state, 'WAITING', 'a failed claim claims nothing');
  t.equal((await store.claim({ worker: 'w', tags: ['bash', 'unix'], now: T0 + 6 }))?.task.id, b!.id);
  t.same(await handle.consistency!(store), [], 'every index and counter matches the records');
});
