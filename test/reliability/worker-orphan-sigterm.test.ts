// An orphaned worker (its daemon killed -9) asked to stop (SIGTERM) stops its tasks and exits
// within its kill grace plus STOP_REPORT_GRACE_MS, though the daemon can never take its exit
// reports (it used to wait for them for ever: only SIGKILL ended it).
import t from 'tap';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { logEntries, TestHome, waitFor } from '../helpers/home.js';
import { exited, liveMembers } from '../helpers/reliability.js';

/** STOP_REPORT_GRACE_MS in src/worker/worker.ts (docs/workers.md). */
const STOP_REPORT_GRACE_MS = 5_000;

t.test('an orphaned worker stops on SIGTERM within its kill grace and the report grace', async (t) => {
  const h = new TestHome(t, { config: 'kill_grace = "1s"\n', workers: 1 });
  // The task ignores SIGTERM: only the kill grace's SIGKILL ends it.
  const id = await h.submit(['--', 'sh', '-c', 'trap "" TERM; sleep 300 & wait; sleep 300']);
  const task = await h.waitState(id, ['RUNNING'], 30_000);
  const worker = (await h.json(['worker', 'ls'])).workers[0] as { pid: number };
  const daemon = h.daemonPid()!;
  process.kill(daemon, 'SIGKILL');
  await waitFor('the daemon to be gone', () => exited(daemon), 10_000);
  const log = path.join(h.paths.logs, 'worker-local.log');
  await waitFor('the worker to notice', () => readFileSync(log, 'utf8').includes('lost the daemon connection'), 10_000);

  process.kill(worker.pid, 'SIGTERM');
  // The bound: kill grace (1 s) + STOP_REPORT_GRACE_MS, with room for a loaded machine.
  await waitFor('the orphaned worker to exit after SIGTERM', () => exited(worker.pid), 1_000 + STOP_REPORT_GRACE_MS + 15_000);
  t.pass('the worker exited');
  t.same(liveMembers(task.pgid!, h.dir), [], "its task's process group is gone");
  const lines = logEntries<{ msg: string; tasks?: string[] }>(log);
  t.ok(
    lines.some((e) => /exiting without them/.test(e.msg) && e.tasks?.includes(id)),
    'it logs the exit reports it gives up, naming the task',
  );
});
