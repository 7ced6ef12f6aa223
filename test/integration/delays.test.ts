// Time and order end to end: delayed runs, dependencies, and a daemon restart across missed fires.
import { writeFileSync } from 'node:fs';
import t from 'tap';
import type { Client } from '../../src/client/client.js';
import type { Task } from '../../src/protocol/model.js';
import { TestHome, waitFor, withJson } from '../helpers/home.js';

const err = async (h: TestHome, args: string[]) => {
  const r = await h.run(withJson(args));
  return { code: r.code, error: JSON.parse(r.stdout).error as { code: string; message: string; hint?: string } };
};

t.test('run --in and --at: the task waits for its time, then starts', async (t) => {
  const h = new TestHome(t, { workers: 1 });
  const before = Date.now();
  const out = await h.ok(['run', '--in', '3s', '--', 'true']);
  t.match(out, /^\w+ +queued shell, (starts in [1-3]s|due)\n$/);
  const id = out.split(/\s+/)[0]!;
  const waiting = await h.task(id);
  t.equal(waiting.state, 'WAITING');
  t.ok(waiting.notBefore! >= before + 3000 && waiting.notBefore! <= Date.now() + 3000, 'not before now + 3 s');
  const done = await h.waitState(id, ['SUCCESS'], 15_000);
  t.ok(done.startedAt! >= waiting.notBefore!, 'it did not start early');
  t.ok(done.startedAt! - waiting.notBefore! < 2000, `it started about on time (${done.startedAt! - waiting.notBefore!} ms late)`);

  const at = new Date(Date.now() + 60 * 60_000).toISOString();
  const later = (await h.json(['run', '--at', at, '--', 'true'])).task as Task;
  t.equal(later.notBefore, Date.parse(at), '--at an ISO time');
  t.match(await h.ok(['ps']), new RegExp(`${later.id} .*starts in (59m\\d+s|1h)`), 'ps says when it starts');

  const past = await err(h, ['run', '--at', '2020-01-01T00:00Z', '--', 'true']);
  t.equal(past.error.code, 'BAD_TIME', '--at in the past is refused');
  t.match(past.error.message, /in the past/);
  t.match(past.error.hint, /leave out --at to run now/);
  t.equal((await err(h, ['run', '--in', 'soon', '--', 'true'])).error.code, 'BAD_TIME');
  t.equal((await h.run(['run', '--in', '1s', '--at', '10:00', '--', 'true'])).code, 2, '--in and --at together is a usage error');
  t.equal((await h.json(['ps', '--state', 'WAITING'])).queued.length, 1, 'nothing was queued by the refused ones');
});

t.test('dependencies: A → B → C → D where B fails', async (t) => {
  const h = new TestHome(t, { workers: 2 });
  await h.ok(['daemon', 'start']); // h.client() would start it with this process's environment, not the test home's
  const c = await h.client();
  const run = async (command: string, opts: { after?: string[]; notBefore?: number; retries?: number } = {}) =>
    (await c.call('run', { type: 'shell', env: { COMMAND: command }, ...opts })).task;
  // A runs until the test lets it end, so B, C and D are all queued (and seen waiting) before anything ends.
  const go = `${h.dir}/go`;
  const a = await run(`while [ ! -e ${go} ]; do sleep 0.05; done`);
  const b = await run('exit 3', { after: [a.id] });
  const cc = await run('true', { after: [b.id] });
  const d = await run('true', { after: [cc.id] });
  t.same(b.waitingOn, [a.id]);
  t.match(await h.ok(['ps']), new RegExp(`${b.id} .*waits for ${a.id}`), 'ps says what B waits for');
  t.equal((await h.task(d.id)).state, 'WAITING');
  writeFileSync(go, '');
  await h.waitState(d.id, ['SKIPPED']);
  t.equal((await h.task(a.id)).state, 'SUCCESS');
  t.equal((await h.task(b.id)).state, 'ERROR');
  const C = await h.task(cc.id);
  t.equal(C.state, 'SKIPPED');
  t.equal(C.reason, `dependency ${b.id} ended ERROR`, 'C names the task that failed');
  t.equal((await h.task(d.id)).reason, `dependency ${cc.id} was skipped, after ${b.id} ended ERROR`, 'D names it too');
  const show = await h.ok(['show', cc.id]);
  t.match(show, new RegExp(`depends on +${b.id} ERROR`), 'show lists dependencies with their states');
  t.match(show, new RegExp(`dependents +${d.id} SKIPPED`), 'and dependents');

  const ok = await h.submit(['--', 'true']);
  await h.waitState(ok, ['SUCCESS']);
  const failed = await h.submit(['--', 'false']);
  await h.waitState(failed, ['ERROR']);
  const met = (await h.json(['run', '--after', ok, '--', 'true'])).task as Task;
  t.same(met.waitingOn, [], 'a dependency that already succeeded counts as met');
  await h.waitState(met.id, ['SUCCESS']);
  const skipped = (await h.json(['run', '--after', `${ok},${failed}`, '--', 'true'])).task as Task;
  t.equal(skipped.state, 'SKIPPED', 'one that already failed skips it at once');
  t.equal(skipped.reason, `dependency ${failed} ended ERROR`);
  const unknown = await err(h, ['run', '--after', 'zzzzzzzz', '--', 'true']);
  t.equal(unknown.error.code, 'NOT_FOUND', '--after an unknown id is refused');

  // A dependency with a retry left: its first failure does not skip the dependent.
  const marker = `${h.dir}/once`;
  const flaky = await run(`test -f ${marker} || { touch ${marker}; exit 1; }`, { retries: 1, notBefore: Date.now() + 500 });
  const next = await run('true', { after: [flaky.id] });
  await h.waitState(next.id, ['SUCCESS', 'SKIPPED']);
  t.equal((await h.task(next.id)).state, 'SUCCESS', 'it waits out the retry and runs');
  t.equal((await h.task(flaky.id)).attempts.length, 2);

  // Removing a waiting dependency cancels it: its dependents end instead of waiting forever.
  const held = await run('true', { notBefore: Date.now() + 3_600_000 });
  const orphan = await run('true', { after: [held.id] });
  await h.ok(['rm', held.id]);
  const o = await h.waitState(orphan.id, ['SKIPPED']);
  t.equal(o.reason, `dependency ${held.id} ended STOPPED`);
});

t.test('a daemon restart across missed fires neither loses nor repeats one', async (t) => {
  const h = new TestHome(t, { workers: 2 });
  await h.ok(['schedule', 'add', 'latest', '--cron', '*/2 * * * * *', '--overlap', 'allow', '--', 'true']);
  await h.ok(['schedule', 'add', 'all', '--cron', '*/2 * * * * *', '--overlap', 'allow', '--catch-up', 'all', '--catch-up-max', '3', '--', 'true']);
  const fires = async (c: Client, name: string) => {
    const r = await c.call('schedule.show', { name, limit: 1000 });
    return { schedule: r.schedule, times: r.history.map((x) => x.schedule!.fireAt).sort((x, y) => x - y) };
  };
  let c = await h.client();
  await waitFor('a run of each', async () => (await fires(c, 'latest')).times.length > 0 && (await fires(c, 'all')).times.length > 0, 15_000);
  c.close();
  await h.ok(['daemon', 'stop']);
  const stoppedAt = Date.now();
  // Down across at least four fire times: the condition is the clock itself.
  await waitFor('9 s of downtime', () => Date.now() >= stoppedAt + 9000, 15_000);
  await h.ok(['daemon', 'start']);
  // Fires before the new daemon started were missed; the ones after it are its own.
  const startedAt = (await h.json(['daemon', 'status'])).startedAt as number;
  c = await h.client();

  const latest = await fires(c, 'latest');
  const all = await fires(c, 'all');
  t.match(await h.ok(['schedule', 'ls']), /latest +active/, 'the schedules are still there');
  for (const [name, f] of [
    ['latest', latest],
    ['all', all],
  ] as const) {
    t.equal(new Set(f.times).size, f.times.length, `${name}: no fire made two tasks`);
    for (const x of f.times) t.equal(x % 2000, 0, `${name}: every task is for a fire time`);
  }
  const inDowntime = (times: number[]) => times.filter((x) => x > stoppedAt && x < startedAt);
  const lastBefore = (times: number[]) => Math.max(...times.filter((x) => x <= stoppedAt));

  // latest: one run for everything missed.
  const lMissed = (Math.floor(startedAt / 2000) * 2000 - lastBefore(latest.times)) / 2000;
  t.ok(lMissed >= 4, `latest: ${lMissed} fires fell while the daemon was down`);
  t.ok(inDowntime(latest.times).length <= 1, 'latest: at most one run for them');
  t.ok(latest.schedule.skipped >= lMissed - 2 && latest.schedule.skipped <= lMissed + 1, `latest: the rest are counted as skipped (${latest.schedule.skipped})`);
  t.match(latest.schedule.lastSkip?.reason, /missed fires? up to .* not run \(catch_up = latest\)/);

  // all, at most 3: the three newest missed fires each run.
  const ran = inDowntime(all.times);
  t.ok(ran.length >= 2 && ran.length <= 3, `all: ${ran.length} of the missed fires ran`);
  for (let i = 1; i < ran.length; i++) t.equal(ran[i]! - ran[i - 1]!, 2000, 'all: consecutive fire times');
  t.match(all.schedule.lastSkip?.reason, /catch_up = all, at most 3/);

  // Normal firing resumes after the restart.
  await waitFor('a fire after the restart', async () => (await fires(c, 'latest')).times.some((x) => x > startedAt), 10_000);
  const show = await h.ok(['schedule', 'show', 'latest']);
  t.match(show, /History \(latest \d+\)/, 'history survives the restart');
});
