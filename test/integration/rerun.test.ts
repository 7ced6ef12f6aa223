// rerun keeps everything the task had: its tags (so it waits for a worker that has them),
// its directory and captured environment, and every other field that defines the run.
import { mkdtempSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import t from 'tap';
import type { Task } from '../../src/protocol/model.js';
import { NOT_RERUN_FIELDS, PER_RUN_FIELDS } from '../../src/core/rerun.js';
import { TestHome } from '../helpers/home.js';

t.test('rerun keeps extra tags, cwd, the captured environment and every other field', async (t) => {
  const h = new TestHome(t, { workers: 1 });
  const dir = realpathSync(mkdtempSync(path.join(os.tmpdir(), 'bk-proj-')));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const first = JSON.parse(
    (
      await h.run(
        [
          'run',
          '--json',
          '--tag',
          'gpu',
          '--label',
          'ci',
          '--priority',
          '5',
          '--retries',
          '2',
          '--timeout',
          '77',
          '-e',
          'STAGE=prod',
          '--',
          'sh',
          '-c',
          'pwd; echo "$BK_RERUN_VAR $STAGE"',
        ],
        { cwd: dir, env: { BK_RERUN_VAR: 'captured' } },
      )
    ).stdout,
  ).task as Task;
  t.ok(first.tags.includes('gpu'));
  // Rerun from elsewhere, with another environment: the task's own are kept.
  const again = (await h.json(['rerun', first.id])).task as Task;
  const old = await h.task(first.id);
  const copied = Object.keys(old).filter((k) => !(PER_RUN_FIELDS as readonly string[]).includes(k) && !(NOT_RERUN_FIELDS as readonly string[]).includes(k));
  t.ok(copied.includes('tags') && copied.includes('cwd') && copied.includes('label'));
  for (const k of copied) t.same((again as unknown as Record<string, unknown>)[k], (old as unknown as Record<string, unknown>)[k], `${k} survives the rerun`);
  t.same((await h.json(['show', again.id])).callerEnvNames, (await h.json(['show', first.id])).callerEnvNames, 'the captured environment too');

  // The local worker has no gpu tag: neither task is taken until a worker with it starts.
  const ps = await h.json(['ps']);
  t.match(ps.reasons[again.id], /no worker has tags .*gpu/, 'the rerun waits for a gpu worker');
  t.equal((await h.task(again.id)).state, 'WAITING');
  await h.ok(['worker', 'start', '--tags', 'gpu,sh,unix', '--name', 'gpu']);
  const done = await h.waitState(again.id, ['SUCCESS', 'ERROR']);
  t.equal(done.state, 'SUCCESS');
  t.equal(done.attempts.at(-1)?.worker, 'gpu', 'it ran on the worker with the tag');
  t.equal(readFileSync(path.join(done.resultDir, 'stdout.log'), 'utf8'), `${dir}\ncaptured prod\n`, 'in the old directory, with the old environment');

  // -e renders the command again; everything else still comes from the old task.
  const over = (await h.json(['rerun', first.id, '-e', 'STAGE=test'])).task as Task;
  t.equal(over.env.STAGE, 'test');
  for (const k of ['tags', 'cwd', 'label', 'priority', 'retries', 'timeout'] as const) t.same(over[k], old[k], `${k} kept with -e`);
  const overDone = await h.waitState(over.id, ['SUCCESS', 'ERROR']);
  t.equal(readFileSync(path.join(overDone.resultDir, 'stdout.log'), 'utf8'), `${dir}\ncaptured test\n`);
});
