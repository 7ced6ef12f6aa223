// Schedules end to end: a real daemon, seconds-level cron, real tasks.
import { writeFileSync } from 'node:fs';
import t from 'tap';
import type { Client } from '../../src/client/client.js';
import type { Task } from '../../src/protocol/model.js';
import { TestHome, waitFor, withJson } from '../helpers/home.js';

const history = async (c: Client, name: string): Promise<Task[]> =>
  (await c.call('schedule.show', { name, limit: 1000 })).history.sort((a, b) => a.schedule!.fireAt - b.schedule!.fireAt);
const fireTimes = (tasks: Task[]) => tasks.map((x) => x.schedule!.fireAt);

t.test('a seconds-level schedule makes a task every two seconds; pause stops it; trigger runs it once', async (t) => {
  const h = new TestHome(t, { workers: 2 });
  t.match(await h.ok(['schedule', 'add', 'tick', '--cron', '*/2 * * * * *', '--', 'date']), /schedule tick added: \*\/2 \* \* \* \* \* \(\S+\), next in \ds: /);
  const c = await h.client();
  const runs = await waitFor(
    'two successful runs of tick',
    async () => {
      const hs = await history(c, 'tick');
      return hs.filter((x) => x.state === 'SUCCESS').length >= 2 ? hs : undefined;
    },
    20_000,
  );
  for (const task of runs) {
    t.equal(task.schedule!.name, 'tick', 'the task records its schedule');
    t.equal(task.schedule!.fireAt % 2000, 0, 'and its fire time, on an even second');
    t.ok(task.createdAt >= task.schedule!.fireAt && task.createdAt - task.schedule!.fireAt < 1500, 'made when it fired');
  }
  t.equal(new Set(fireTimes(runs)).size, runs.length, 'one task per fire');
  t.match(await h.ok(['logs', runs[0]!.id]), /\d{4}/, 'the task ran date');

  const [info] = (await h.json(['schedule', 'ls'])).schedules;
  t.equal(info.name, 'tick');
  t.equal(info.next.length, 3, 'the next three fire times');
  t.same(
    info.next.map((n: number) => n % 2000),
    [0, 0, 0],
  );
  t.ok(info.lastRun.taskId, 'the last run');
  t.match(await h.ok(['schedule', 'ls']), /tick +active +\*\/2 \* \* \* \* \* +\S+ +in \ds: \d\d:\d\d:\d\d, /);

  const paused = await h.json(['schedule', 'pause', 'tick']);
  t.equal(paused.paused, true);
  t.same(paused.next, [], 'no next fire while paused');
  const pausedAt = Date.now();
  // More than two fire times must pass: a task delayed by 3 s is the clock.
  const probe = await h.submit(['--in', '3s', '--', 'true']);
  await h.waitState(probe, ['SUCCESS'], 20_000);
  t.notOk(
    (await history(c, 'tick')).some((x) => x.schedule!.fireAt > pausedAt),
    'no fire while paused',
  );

  const trig = await h.json(['schedule', 'trigger', 'tick']);
  t.equal(trig.task.schedule.name, 'tick', 'a trigger runs it once, even paused');
  await h.waitState(trig.task.id, ['SUCCESS']);

  const resumedAt = Date.now();
  t.match(await h.ok(['schedule', 'resume', 'tick']), /resumed.*next in/);
  await waitFor('a fire after resume', async () => (await history(c, 'tick')).some((x) => x.schedule!.fireAt >= resumedAt - 1000 && x.id !== trig.task.id), 10_000);

  const show = await h.ok(['schedule', 'show', 'tick', '-n', '3']);
  t.match(show, /state +active/);
  t.match(show, /History \(latest 3\)/);
  t.match(await h.ok(['show', runs[0]!.id]), /schedule +tick \(fire time /, 'show names the schedule of a task');

  t.equal((await h.json(['schedule', 'rm', 'tick'])).removed, 'tick');
  t.same((await h.json(['schedule', 'ls'])).schedules, []);
  t.equal((await h.task(runs[0]!.id)).schedule!.name, 'tick', 'its tasks stay');
});

t.test('overlap policies: skip, queue, allow', async (t) => {
  const h = new TestHome(t, { workers: 6 });
  await h.ok(['schedule', 'add', 'skipper', '--cron', '* * * * * *', '--', 'sleep 2.2']);
  await h.ok(['schedule', 'add', 'queuer', '--cron', '* * * * * *', '--overlap', 'queue', '--', 'sleep 1.5']);
  await h.ok(['schedule', 'add', 'allower', '--cron', '* * * * * *', '--overlap', 'allow', '--', 'sleep 2.2']);
  const c = await h.client();
  const ended = (tasks: Task[]) => tasks.filter((x) => x.endedAt !== undefined);
  await waitFor(
    'three runs of each to end',
    async () => {
      for (const name of ['skipper', 'queuer', 'allower']) if (ended(await history(c, name)).length < 3) return false;
      return true;
    },
    40_000,
  );
  for (const name of ['skipper', 'queuer', 'allower']) await c.call('schedule.pause', { name });

  const skipper = ended(await history(c, 'skipper'));
  for (let i = 1; i < skipper.length; i++) t.ok(skipper[i]!.createdAt >= skipper[i - 1]!.endedAt!, 'skip: a run is made only after the previous ended');
  const sk = (await c.call('schedule.show', { name: 'skipper' })).schedule;
  t.ok(sk.skipped >= 2, 'skip: the fires in between were skipped');
  t.match(sk.lastSkip?.reason, /the previous run \w+ is (WAITING|CLAIMED|RUNNING) \(overlap = skip\)/);

  const queuer = await history(c, 'queuer');
  const qd = ended(queuer);
  for (let i = 1; i < qd.length; i++) t.ok(qd[i]!.startedAt! >= qd[i - 1]!.endedAt!, 'queue: runs one after another');
  const fires = fireTimes(queuer);
  for (let i = 1; i < fires.length; i++) t.equal(fires[i]! - fires[i - 1]!, 1000, 'queue: no fire is lost');
  const qs = (await c.call('schedule.show', { name: 'queuer' })).schedule;
  t.equal(qs.skipped, 0, 'queue: nothing skipped');
  t.ok(qs.queued.length >= 1, 'queue: fires wait their turn');
  const idle = await waitFor(
    'the last queuer run to end',
    async () => {
      const hs = await history(c, 'queuer');
      return hs.every((x) => x.endedAt !== undefined) ? hs : undefined;
    },
    15_000,
  );
  const held = (await c.call('schedule.show', { name: 'queuer' })).schedule.queued;
  t.ok(held.length >= 1, 'queue: while paused, queued fires stay queued');
  t.equal((await history(c, 'queuer')).length, idle.length, 'and make no task');
  await c.call('schedule.resume', { name: 'queuer' });
  const resumed = await waitFor('the oldest queued fire to run on resume', async () => (await history(c, 'queuer')).find((x) => x.schedule!.fireAt === held[0]));
  t.ok(resumed, 'queue: on resume the oldest queued fire runs');
  await c.call('schedule.pause', { name: 'queuer' });

  const allower = ended(await history(c, 'allower'));
  const overlapping = allower.some((a, i) => allower.some((b, j) => i !== j && a.startedAt! < b.startedAt! && b.startedAt! < a.endedAt!));
  t.ok(overlapping, 'allow: runs overlap');
});

t.test('bad input is refused and changes nothing', async (t) => {
  const h = new TestHome(t, { workers: false, types: { needsenv: 'command = "echo $V"\n[[environment.required]]\nname = "V"\n' } });
  const err = async (args: string[]) => {
    const r = await h.run(withJson(args));
    t.not(r.code, 0, args.join(' '));
    return JSON.parse(r.stdout).error as { code: string; message: string; hint?: string; field?: string };
  };
  await h.ok(['schedule', 'add', 'one', '--cron', '0 3 * * *', '--', 'true']);
  const exists = await err(['schedule', 'add', 'one', '--cron', '0 4 * * *', '--', 'true']);
  t.equal(exists.code, 'EXISTS');
  const cron = await err(['schedule', 'add', 'two', '--cron', '0 25 * * *', '--', 'true']);
  t.equal(cron.code, 'BAD_CRON');
  t.match(cron.message, /hour field "25"/, 'the message names the bad field');
  t.equal(cron.field, 'hour');
  t.match((await err(['schedule', 'add', 'two', '--cron', '*/5 * * * * * *', '--', 'true'])).message, /expected 5 fields/);
  const tz = await err(['schedule', 'add', 'two', '--cron', '0 3 * * *', '--tz', 'Mars/Olympus', '--', 'true']);
  t.equal(tz.code, 'BAD_TIME');
  t.match(tz.message, /unknown time zone "Mars\/Olympus"/);
  t.equal((await err(['schedule', 'add', 'two', '--cron', '0 3 * * *', 'no_such_type'])).code, 'UNKNOWN_TYPE');
  const env = await err(['schedule', 'add', 'two', '--cron', '0 3 * * *', 'needsenv']);
  t.equal(env.code, 'MISSING_ENV');
  t.match(env.message, /requires V/);
  t.equal((await err(['schedule', 'add', 'two', '--cron', '0 3 * * *', '--overlap', 'sometimes', '--', 'true'])).code, 'USAGE');
  const missing = await err(['schedule', 'pause', 'onr']);
  t.equal(missing.code, 'NOT_FOUND');
  t.match(missing.message, /no schedule onr: did you mean one\?/);
  t.same(
    (await h.json(['schedule', 'ls'])).schedules.map((s: { name: string }) => s.name),
    ['one'],
    'only the good one was stored',
  );
  const ok = await h.json(['schedule', 'add', 'two', '--cron', '0 3 * * *', '--tz', 'europe/berlin', 'needsenv', '-e', 'V=1', '--paused']);
  t.equal(ok.schedule.tz, 'Europe/Berlin', 'the zone is stored by its canonical name');
  t.equal(ok.schedule.paused, true);
});

t.test('[[schedule]] in config.toml: reconciled at start and when the file changes', async (t) => {
  const base = `[worker]\nslots = 1\n`;
  const entries = (...e: string[]) => base + e.map((x) => `\n[[schedule]]\n${x}\n`).join('');
  const cfg = 'name = "cfg"\ncron = "0 3 * * *"\ncommand = "true"';
  const broken = 'name = "broken"\ncron = "0 3 * * *"\ntype = "nosuch"';
  const h = new TestHome(t);
  writeFileSync(h.paths.config, entries(cfg, broken));
  const ls = await h.json(['schedule', 'ls']);
  t.same(
    ls.schedules.map((s: { name: string; source: string }) => [s.name, s.source]),
    [['cfg', 'config']],
  );
  t.equal(ls.errors.length, 1);
  t.equal(ls.errors[0].line, 9, 'the entry not in force is named by file:line');
  t.match(ls.errors[0].message, /schedule "broken": unknown task type "nosuch"/);
  t.match(await h.ok(['schedule', 'ls']), /warning: .*config\.toml:9: schedule "broken"/);
  t.equal((await h.run(['schedule', 'rm', 'cfg'])).code, 1, 'a config schedule is removed in config.toml, not by rm');
  await h.ok(['schedule', 'pause', 'cfg']);
  await h.ok(['schedule', 'add', 'mine', '--cron', '0 4 * * *', '--', 'true']);

  writeFileSync(
    h.paths.config,
    entries(
      'name = "cfg"\ncron = "0 5 * * *"\ncommand = "true"',
      'name = "cfg2"\ncron = "@daily"\ncommand = ["echo", "two words"]',
      'name = "mine"\ncron = "0 6 * * *"\ncommand = "true"',
    ),
  );
  const c = await h.client();
  const after = await waitFor('the change to be reconciled', async () => {
    const r = await c.call('schedule.ls', {});
    return r.schedules.some((s) => s.name === 'cfg2') ? r : undefined;
  });
  const by = new Map(after.schedules.map((s) => [s.name, s]));
  t.equal(by.get('cfg')!.cron, '0 5 * * *', 'a changed entry is updated');
  t.equal(by.get('cfg')!.paused, true, 'and keeps its paused state');
  t.same(by.get('cfg2')!.task.env, { COMMAND: "echo 'two words'" });
  t.equal(by.get('mine')!.source, 'cli', 'a schedule made with schedule add is left alone');
  t.match(after.errors.map((e) => e.message).join('\n'), /schedule "mine": a schedule of this name was made with 'schedule add'/);

  writeFileSync(h.paths.config, base);
  await waitFor('the entries to be removed', async () => (await c.call('schedule.ls', {})).schedules.length === 1);
  t.same(
    (await c.call('schedule.ls', {})).schedules.map((s) => s.name),
    ['mine'],
  );

  writeFileSync(h.paths.config, entries('name = "x"\ncron = "99 * * * *"\ncommand = "true"'));
  const bad = await h.run(['config']);
  t.equal(bad.code, 1, 'blanket config refuses a bad expression');
  t.match(bad.stderr, /config\.toml:6: schedule "x": cron: minute field "99"/);
});
