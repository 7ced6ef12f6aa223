// Tasks run: through the real CLI, daemon, worker processes and child processes.
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { groupMembers } from '../../src/os/proc.js';
import { processesOf, TestHome, waitFor } from '../helpers/home.js';

const types = {
  slow: 'command = "sleep 30"\ntimeout = 1\n',
  flaky: 'command = "echo failing; exit 5"\nretries = 2\nretry_backoff = "50ms"\n',
  printenv: 'description = "Print a variable"\ncommand = "printf %s \\"$V\\""\n[[environment.required]]\nname = "V"\n',
  quoted: 'description = "Print a value given through the template"\ncommand = "printf %s {{V}}"\n[[environment.required]]\nname = "V"\n',
  noexec: 'command = "true"\nexecutor = "/no-such-dir-xyz/sh"\n', // a known executor, not installed
  env: 'command = "env | grep ^BLANKET_APP_ | sort"\n',
  progress: "command = '''\necho \"40 copying\" > \"$BLANKET_APP_TASK_RESULTS_DIRECTORY/.progress\"\nsleep 30\n'''\n",
  single: 'command = "sleep 30"\nmax_concurrent = 1\n',
  gpu: 'command = "echo on gpu"\ntags = ["gpu"]\n',
  lots: 'command = "head -c 52428800 /dev/zero | tr \'\\\\0\' a"\n',
};

t.test('tasks end in every terminal state, end to end', async (t) => {
  const h = new TestHome(t, { types, config: 'kill_grace = "1s"\nmax_output_bytes = "1 MiB"\n' });

  await t.test('ERROR with its exit code, output kept (run --wait)', async (t) => {
    const r = await h.run(['run', '--wait', '--', 'sh', '-c', 'echo hi; exit 3']);
    t.equal(r.code, 3, r.stderr);
    const id = (await h.ok(['ps', '-q', '--state', 'ERROR'])).trim().split('\n')[0]!;
    t.equal(await h.ok(['logs', id]), 'hi\n');
    const task = await h.task(id);
    t.equal(task.exitCode, 3);
    t.equal(task.attempts.length, 1);
    t.ok(existsSync(path.join(task.resultDir, 'task.json')), 'task.json archived');
  });

  await t.test('SUCCESS, and the BLANKET_APP_* environment', async (t) => {
    const r = await h.run(['run', 'env', '--wait', '--result', 'stdout.log']);
    t.equal(r.code, 0, r.stderr);
    for (const v of ['TASK_ID', 'TASK_RESULTS_DIRECTORY', 'RESULTS_DIRECTORY', 'WORKER_ID', 'WORKER_PID', 'ATTEMPT', 'SOCKET']) t.match(r.stdout, `BLANKET_APP_${v}=`);
    t.match(r.stdout, 'BLANKET_APP_ATTEMPT=1');
  });

  await t.test('--follow streams output while the task runs, then exits with its code', async (t) => {
    const child = h.spawn(['run', '--follow', '--', 'sh', '-c', 'echo one; read x < /dev/null; sleep 1; echo two; exit 4']);
    let out = '';
    child.stdout!.on('data', (d) => (out += d));
    await waitFor('the first line', () => out.includes('one\n'));
    t.notMatch(out, 'two', 'the second line is not there yet: output is live');
    const code = await new Promise<number | null>((r) => child.on('close', r));
    t.equal(code, 4);
    t.equal(out, 'one\ntwo\n');
  });

  await t.test('STOPPED by kill, with nothing left in its process group', async (t) => {
    const id = await h.submit(['--', 'sh', '-c', 'sleep 100 & sleep 100']);
    const running = await h.waitState(id, ['RUNNING']);
    t.ok(groupMembers(running.pgid!).length >= 2, 'the task and its background child run');
    const k = await h.run(['kill', id]);
    t.equal(k.code, 0, k.stderr);
    const done = await h.waitState(id, ['STOPPED']);
    t.equal(done.reason, 'stopped by user');
    await waitFor('the process group to be gone', () => groupMembers(running.pgid!).length === 0);
  });

  await t.test('kill refuses finished tasks and bad signals, and changes nothing', async (t) => {
    const id = await h.submit(['--', 'true']);
    await h.waitState(id, ['SUCCESS']);
    const r = await h.run(['kill', id, '--json']);
    t.not(r.code, 0);
    t.equal(JSON.parse(r.stdout).error.code, 'INVALID_STATE');
    const live = await h.submit(['--', 'sleep', '30']);
    const b = await h.run(['kill', '-s', 'NOPE', live, '--json']);
    t.not(b.code, 0);
    t.equal(JSON.parse(b.stdout).error.code, 'BAD_SIGNAL');
    t.not((await h.task(live)).state, 'STOPPED');
    await h.ok(['kill', live]);
    await h.waitState(live, ['STOPPED']);
  });

  await t.test('TIMEDOUT after the type timeout, grandchild and all', async (t) => {
    const r = await h.run(['run', 'slow', '--wait']);
    t.equal(r.code, 124);
    const id = (await h.ok(['ps', '-q', '--type', 'slow'])).trim();
    t.equal((await h.task(id)).state, 'TIMEDOUT');
  });

  await t.test('retries: three attempts, each visible', async (t) => {
    const r = await h.run(['run', 'flaky', '--wait']);
    t.equal(r.code, 5);
    const id = (await h.ok(['ps', '-q', '--type', 'flaky'])).trim();
    const task = await h.task(id);
    t.equal(task.state, 'ERROR');
    t.equal(task.attempts.length, 3);
    t.same(
      task.attempts.map((a) => a.outcome),
      ['ERROR', 'ERROR', 'ERROR'],
    );
    t.match(await h.ok(['show', id]), /Attempts[\s\S]*1 .*ERROR[\s\S]*2 .*ERROR[\s\S]*3 .*ERROR/);
  });

  await t.test('a command that does not exist ends ERROR with a clear stderr line', async (t) => {
    const r = await h.run(['run', '--wait', '--', 'no-such-command-xyz', 'arg']);
    t.equal(r.code, 127);
    const id = (await h.ok(['ps', '-q', '--state', 'ERROR', '-n', '1'])).trim();
    t.match(await h.ok(['logs', '--stderr', id]), /no-such-command-xyz.*not found/);
    t.match((await h.task(id)).reason, /command not found/);
  });

  await t.test('an executor missing on PATH is refused at submit and by types validate', async (t) => {
    const r = await h.run(['run', 'noexec', '--json']);
    t.not(r.code, 0);
    t.equal(JSON.parse(r.stdout).error.code, 'EXECUTOR_MISSING');
    const v = await h.run(['types', 'validate', 'noexec']);
    t.equal(v.code, 1);
    t.match(v.stdout, /no-such-dir-xyz\/sh.*not on PATH/);
  });

  await t.test('shell metacharacters in values reach the process byte for byte, never executed', async (t) => {
    const marker = path.join(h.dir, 'pwned');
    const value = `$(touch ${marker}) \`touch ${marker}\` '; touch ${marker}; ' "x" \\ ünï`;
    for (const type of ['printenv', 'quoted']) {
      const r = await h.run(['run', type, '-e', `V=${value}`, '--wait', '--result', 'stdout.log']);
      t.equal(r.code, 0, r.stderr);
      t.equal(r.stdout, value, `${type}: exact bytes`);
    }
    t.notOk(existsSync(marker), 'nothing was executed');
  });

  await t.test('progress from the .progress file shows in show', async (t) => {
    const id = await h.submit(['progress']);
    const task = await waitFor('progress', async () => (await h.task(id)).progress);
    t.equal(task.percent, 40);
    t.equal(task.message, 'copying');
    await h.ok(['kill', id]);
    await h.waitState(id, ['STOPPED']);
  });

  await t.test('max_concurrent holds', async (t) => {
    const ids = [await h.submit(['single']), await h.submit(['single'])];
    await h.waitState(ids[0]!, ['RUNNING']);
    const ps = await h.json(['ps']);
    t.equal(ps.reasons?.[ids[1]!], 'max_concurrent (1 running)');
    t.equal((await h.task(ids[1]!)).state, 'WAITING');
    await h.ok(['kill', ...ids]);
    await h.waitState(ids[1]!, ['STOPPED']);
  });

  await t.test('output over the cap is truncated with a marker; the worker stays small', async (t) => {
    const r = await h.run(['run', 'lots', '--wait']);
    t.equal(r.code, 0, r.stderr);
    const id = (await h.ok(['ps', '-q', '--type', 'lots'])).trim();
    const file = path.join((await h.task(id)).resultDir, 'stdout.log');
    const size = statSync(file).size;
    t.ok(size < 2 * 1024 * 1024, `capped (${size} bytes)`);
    t.match(readFileSync(file, 'utf8').slice(1024 * 1024 - 10), /output truncated at 1048576 bytes/);
    const workers = (await h.json(['worker', 'ls'])).workers;
    const rss = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${workers[0].pid}/status`, 'utf8'))![1]) * 1024;
    t.ok(rss < 200 * 1024 * 1024, `worker RSS ${Math.round(rss / 1e6)} MB`);
  });
});

t.test('workers: tags, warnings, pause and resume, priorities, lost workers', async (t) => {
  const h = new TestHome(t, { types, workers: 1 });

  await t.test('no worker with the tags: run warns, ps says why', async (t) => {
    const r = await h.run(['run', 'gpu']);
    t.equal(r.code, 0);
    t.match(r.stderr, /no worker has all of the tags .*gpu/);
    const id = r.stdout.split(/\s+/)[0]!;
    const ps = await h.json(['ps']);
    t.match(ps.reasons[id], /no worker has tags .*gpu/);
    const w = await h.json(['worker', 'start', '--tags', 'gpu,sh,bash', '--name', 'gpu']);
    t.equal(w.id, 'gpu');
    const done = await h.waitState(id, ['SUCCESS']);
    t.equal(done.attempts[0]!.worker, 'gpu');
    await h.ok(['worker', 'stop', 'gpu']);
    await waitFor('gpu worker stopped', async () => (await h.json(['worker', 'ls'])).workers.find((x: { id: string }) => x.id === 'gpu')?.state === 'stopped' || undefined);
  });

  await t.test('a paused worker claims nothing; priorities then FIFO decide the order', async (t) => {
    await h.ok(['worker', 'pause', 'local']);
    const low = await h.submit(['--priority', '1', '--', 'true']);
    const high = await h.submit(['--priority', '5', '--', 'true']);
    const mid = await h.submit(['--priority', '3', '--', 'true']);
    const ps = await h.json(['ps']);
    t.same(
      ps.queued.map((x: { id: string }) => x.id),
      [high, mid, low],
      'ps shows run order',
    );
    t.equal((await h.task(low)).state, 'WAITING');
    await h.ok(['worker', 'resume', 'local']);
    const tasks = await Promise.all([high, mid, low].map((id) => h.waitState(id, ['SUCCESS'])));
    t.ok(tasks[0]!.startedAt! <= tasks[1]!.startedAt! && tasks[1]!.startedAt! <= tasks[2]!.startedAt!, 'started in priority order');
  });

  await t.test('a worker killed with -9 mid-task: the task ends LOST, its group is killed, the worker comes back', async (t) => {
    const id = await h.submit(['--', 'sh', '-c', 'sleep 300 & sleep 300']);
    const running = await h.waitState(id, ['RUNNING']);
    const before = (await h.json(['worker', 'ls'])).workers.find((w: { id: string }) => w.id === 'local');
    process.kill(before.pid, 'SIGKILL');
    const lost = await h.waitState(id, ['LOST']);
    t.match(lost.reason, /worker local/);
    await waitFor('the orphaned group to be killed', () => groupMembers(running.pgid!).length === 0);
    const after = await waitFor('the worker to restart', async () => {
      const w = (await h.json(['worker', 'ls'])).workers.find((x: { id: string }) => x.id === 'local');
      return w && w.state === 'running' && w.pid !== before.pid ? w : undefined;
    });
    // Seen as 2 in CI: the daemon's reconnect check took the restarted worker for one from before
    // (fixed; worker-restart-grace.test.ts). If it comes back, say what the logs said.
    const why = after.restarts === 1 ? '' : `\n${await h.ok(['daemon', 'logs', '-n', '60'])}\n${await h.ok(['worker', 'logs', 'local', '-n', '60'])}`;
    t.equal(after.restarts, 1, `one restart${why}`);
    const next = await h.submit(['--', 'true']);
    await h.waitState(next, ['SUCCESS']);
  });
});

t.test('1000 tasks of true all end SUCCESS with no process left behind', async (t) => {
  const h = new TestHome(t, { workers: 2 });
  const lines = Array.from({ length: 1000 }, () => JSON.stringify({ type: 'shell', env: { COMMAND: 'true' } })).join('\n');
  const ids = (await h.ok(['run', '--batch', '-', '-q'], { input: lines })).trim().split('\n');
  t.equal(ids.length, 1000);
  const c = await h.client();
  await waitFor('all to succeed', async () => (await c.call('ps', { limit: 1 })).counts.SUCCESS === 1000 || undefined, 240_000);
  const counts = (await c.call('ps', { limit: 1 })).counts;
  t.equal(counts.SUCCESS, 1000);
  t.equal(counts.ERROR, 0);
  // Only the daemon and its worker remain.
  const known = new Set([h.daemonPid(), ...(await c.call('worker.ls', {})).workers.map((w) => w.pid)]);
  await waitFor('no task processes', () => processesOf(h.dir).filter((p) => !known.has(p)).length === 0);
});
