// kill -9 of the daemon, again and again, at random moments (while it starts,
// while workers reconnect, mid-claim, mid-report) during a run of short tasks,
// with submits racing the kills. Every acknowledged task ends, exactly once:
// one terminal state and one attempt in the store, one run in the side-effect log.
import { cpSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import t from 'tap';
import { isTerminal } from '../../src/protocol/model.js';
import { TestHome, waitFor } from '../helpers/home.js';
import { allTasks, appendingType, GroupLedger, killDaemon9, ranCounts, scale, SOAK } from '../helpers/reliability.js';

// Slow on a loaded machine: more than tap's default 180 s per file (the soak needs far more).
t.setTimeout(SOAK ? 3_600_000 : 900_000);

const TOTAL = scale(300, 2000);
const KILLS = 20;
const types = { quick: appendingType('sleep 0.$((RANDOM % 3))') };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

t.test(`kill -9 the daemon ${KILLS} times during ${TOTAL} short tasks: every task ends exactly once`, async (t) => {
  const groups = new GroupLedger(t);
  const h = new TestHome(t, { types, workers: 4 });
  groups.home = h.dir;
  // On failure, keep the daemon and worker logs (the home is removed at teardown).
  t.teardown(() => {
    if (!t.passing()) cpSync(path.join(h.dir, 'logs'), path.join(os.tmpdir(), `bk-crash-loop-logs-${process.pid}`), { recursive: true });
  });
  const c = await h.client();
  const acked: string[] = [];
  for (let i = 0; i < TOTAL; i += 500) {
    const { ids } = await c.call('run.batch', { tasks: Array.from({ length: Math.min(500, TOTAL - i) }, () => ({ type: 'quick' })) });
    acked.push(...ids);
  }
  c.close();

  // Submits racing the kills, through the CLI (which starts a daemon when none answers).
  let stop = false;
  let refused = 0;
  const submitter = (async () => {
    while (!stop) {
      const r = await h.run(['run', '-q', 'quick'], { timeoutMs: 60_000 });
      if (r.code === 0) acked.push(r.stdout.trim());
      else refused++; // the daemon died under it: not acknowledged, so it may or may not exist
      await sleep(50);
    }
  })();

  let kills = 0;
  while (kills < KILLS) {
    await sleep(Math.floor(Math.random() * 1500));
    const pid = await killDaemon9(h);
    if (pid === undefined) {
      await h.run(['daemon', 'start']); // none up right now (the submitter may be starting one)
      continue;
    }
    kills++;
    // Mostly we restart it; every third time the submitter's next command does.
    if (kills % 3 !== 0) await h.run(['daemon', 'start']);
  }
  stop = true;
  await submitter;
  t.pass(`${kills} daemons killed with SIGKILL; ${acked.length} submits acknowledged, ${refused} refused by a dying daemon`);

  const c2 = await h.client();
  await waitFor(
    'every task to end',
    async () => {
      const n = (await c2.call('ps', { limit: 1 })).counts;
      return n.WAITING + n.CLAIMED + n.RUNNING === 0;
    },
    scale(180_000, 900_000),
  );
  const tasks = await allTasks(c2);
  groups.note(tasks);
  const byId = new Map(tasks.map((x) => [x.id, x]));
  t.equal(acked.filter((id) => !byId.has(id)).length, 0, 'every acknowledged task is in the store');
  const notOnce = tasks.filter((x) => !isTerminal(x.state) || x.state !== 'SUCCESS' || x.attempts.length !== 1 || x.attempts[0]!.outcome !== 'SUCCESS');
  t.same(
    notOnce.map((x) => ({ id: x.id, state: x.state, attempts: x.attempts })),
    [],
    `all ${tasks.length} tasks ended SUCCESS in one attempt`,
  );
  const ran = ranCounts(h);
  t.same(
    tasks.filter((x) => ran.get(x.id) !== 1).map((x) => `${x.id} ran ${ran.get(x.id) ?? 0} times`),
    [],
    'each ran exactly once (side-effect log)',
  );
  t.same(
    [...ran.keys()].filter((id) => !byId.has(id)),
    [],
    'nothing ran that is not in the store',
  );
  const counts = (await c2.call('ps', { limit: 1 })).counts;
  t.equal(counts.SUCCESS, tasks.length, 'the counters agree with the records');
  const check = await c2.call('db.check', {});
  t.same(check.problems, [], 'db check finds nothing wrong');
});
