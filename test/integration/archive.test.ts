// blanket rm archives (issue 15.1): archive ls/show/restore/rm, undo, rm --purge, archive.keep
// cleaning, [retention] finished by count and by age, a daemon restart in between, and what the
// start finds after a crash cut an archive or a restore short.
import { cpSync, existsSync, mkdirSync, readdirSync, renameSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { bucketOf, RECORD_FILE } from '../../src/core/archive.js';
import { archiveDir } from '../../src/core/paths.js';
import type { ArchivedTask, ArchiveList } from '../../src/protocol/archive.js';
import { humanError, jsonError, snapshot } from '../helpers/cli.js';
import { TestHome, waitFor } from '../helpers/home.js';

/** Run a command that prints a line and wait for it to end. */
async function done(h: TestHome, text: string): Promise<string> {
  const id = await h.submit(['--', 'echo', text]);
  await h.waitState(id, ['SUCCESS']);
  return id;
}
const archived = async (h: TestHome): Promise<ArchiveList> => h.json<ArchiveList>(['archive', 'ls', '-n', '1000']);
const inStore = async (h: TestHome): Promise<string[]> => {
  const ps = await h.json(['ps', '-n', '1000']);
  return [...ps.running, ...ps.queued, ...ps.finished].map((x: { id: string }) => x.id).sort();
};

t.test('rm archives; archive ls/show; restore brings back the state and the output; rm --purge deletes for good', async (t) => {
  const h = new TestHome(t);
  const a = await done(h, 'from-a');
  const b = await done(h, 'from-b');
  const before = await h.task(a);
  t.match(await h.ok(['rm', a, b]), /^removed .* \(archived: 'blanket undo' brings them back\)/);
  t.same(await inStore(h), [], 'gone from the store');
  t.notOk(existsSync(before.resultDir), 'the result dir moved away');
  const ls = await archived(h);
  t.same(ls.entries.map((e) => e.id).sort(), [a, b].sort());
  t.equal(ls.total, 2);
  const shown = await h.json<ArchivedTask>(['archive', 'show', a]);
  t.equal(shown.by, 'rm');
  t.equal(shown.task.state, 'SUCCESS');
  t.same(shown.files, ['stderr.log', 'stdout.log', 'task.json']);
  t.equal(statSync(archiveDir(h.paths)).mode & 0o777, 0o700, 'the archive is private (0700)');
  t.ok(existsSync(path.join(shown.path, RECORD_FILE)), 'with a .blanket-task record');
  t.match(await h.ok(['archive', 'show', a.slice(0, 7)]), /Archived[\s\S]*from-a/, 'by prefix, for people');
  // show and logs of an archived id say where it is and how to bring it back, not just "no task".
  humanError(t, await h.run(['show', a]), 'NOT_FOUND', new RegExp(`task ${a} is in the archive[\\s\\S]*blanket archive restore ${a}`));
  t.equal(jsonError(t, await h.run(['logs', a.slice(0, 7), '--json']), 'NOT_FOUND').archived, a);
  t.match(await h.ok(['archive', 'ls']), new RegExp(`${a}\\s+SUCCESS\\s+shell`));
  const completion = await h.run(['__complete', 'archive', 'restore', ''], { env: { BLANKET_COMPLETE_TIMEOUT: '10000' } });
  t.same(
    completion.stdout
      .split('\n')
      .filter(Boolean)
      .map((l) => l.split('\t')[0])
      .sort(),
    [a, b].sort(),
    'archive restore completes archived ids',
  );

  t.equal((await h.ok(['archive', 'restore', a])).trim(), `restored ${a}`);
  t.same(await h.task(a), before, 'the record is as it was');
  t.equal(await h.ok(['logs', a]), 'from-a\n', 'logs works after restore');
  t.same(
    (await archived(h)).entries.map((e) => e.id),
    [b],
    'the restored one left the archive',
  );

  t.match(await h.ok(['rm', '--purge', a]), new RegExp(`^deleted for good ${a}`));
  t.same(await inStore(h), []);
  t.notOk(existsSync(before.resultDir));
  t.same(
    (await archived(h)).entries.map((e) => e.id),
    [b],
    'rm --purge archives nothing',
  );
  t.equal((await h.ok(['archive', 'rm', b])).trim(), `deleted ${b} for good`);
  t.same((await archived(h)).entries, []);
  t.match(await h.ok(['archive', 'ls']), /the archive is empty/);
});

t.test('undo restores the whole last rm, and only it; works after a daemon restart', async (t) => {
  const h = new TestHome(t);
  const [a, b, c] = [await done(h, 'a'), await done(h, 'b'), await done(h, 'c')];
  const queued = await h.submit(['--in', '1h', '--', 'echo', 'later']);
  await h.ok(['rm', a]);
  await h.ok(['rm', b, c, queued]);
  await h.ok(['daemon', 'stop']);
  t.same((await h.json(['undo', '--dry-run'])).restored.sort(), [b, c, queued].sort(), 'dry run: the last rm, after a restart');
  t.same((await archived(h)).total, 4, 'a dry run changes nothing');
  t.same((await h.json(['undo'])).restored.sort(), [b, c, queued].sort());
  t.same(await inStore(h), [b, c, queued].sort());
  t.equal((await h.task(queued)).state, 'WAITING', 'a queued task comes back queued');
  t.ok((await h.task(queued)).notBefore! > Date.now(), 'with its start time');
  t.equal(await h.ok(['logs', c]), 'c\n');
  t.same(
    (await archived(h)).entries.map((e) => e.id),
    [a],
    'the earlier rm stays archived',
  );
  humanError(t, await h.run(['undo']), 'NOT_FOUND', /^blanket: nothing to undo: the tasks the last rm archived are restored or deleted already$/m);
  t.same(
    (await archived(h)).entries.map((e) => e.id),
    [a],
    'a refused undo changes nothing',
  );
});

t.test('errors: what is wrong, a code, a non-zero exit, nothing changed', async (t) => {
  const h = new TestHome(t);
  humanError(t, await h.run(['undo']), 'NOT_FOUND', /nothing to undo: no rm has archived anything/);
  const a = await done(h, 'a');
  const live = await done(h, 'live');
  await h.ok(['rm', a]);
  const client = await h.client();
  const before = { store: await snapshot(client), archive: await archived(h) };
  jsonError(t, await h.run(['archive', 'show', 'zzzzzzz', '--json']), 'NOT_FOUND');
  const notArchived = jsonError(t, await h.run(['archive', 'restore', a, live, '--json']), 'NOT_FOUND');
  t.equal(notArchived.message, `no archived task ${live}`, 'restoring a task that is not archived names it');
  t.same({ store: await snapshot(client), archive: await archived(h) }, before, 'all or nothing: the good id was not restored either');
  jsonError(t, await h.run(['archive', 'rm', a, 'zzzzzzz', '--json']), 'NOT_FOUND');
  t.same(await archived(h), before.archive, 'archive rm is all or nothing');
  // The store holds the id again (here: a copy of the entry put back after a restore).
  const entry = (await h.json<ArchivedTask>(['archive', 'show', a])).path;
  const copy = `${h.dir}/copy`;
  cpSync(entry, copy, { recursive: true });
  await h.ok(['archive', 'restore', a]);
  cpSync(copy, entry, { recursive: true });
  const clash = jsonError(t, await h.run(['archive', 'restore', a, '--json']), 'EXISTS');
  t.match(clash.message, `cannot restore ${a}: the store holds a task ${a} already`);
  t.ok(existsSync(path.join(entry, RECORD_FILE)), 'the archived copy is kept');
  t.equal(await h.ok(['logs', a]), 'a\n', 'the task in the store is untouched');
  jsonError(t, await h.run(['rm', '--purge', 'zzzzzzz', '--json']), 'NOT_FOUND');
});

t.test('archive.keep deletes old entries (and only old ones), at start and while running', async (t) => {
  const h = new TestHome(t, { config: '[archive]\nkeep = "2s"\n' });
  const a = await done(h, 'a');
  await h.ok(['rm', a]);
  t.same(
    (await archived(h)).entries.map((e) => e.id),
    [a],
    'kept at first',
  );
  await waitFor('archive.keep to delete the entry', async () => (await archived(h)).total === 0, 20_000);
  t.same(
    readdirSync(path.join(archiveDir(h.paths), bucketOf(Date.now()))).filter((n) => !n.startsWith('.')),
    [],
    'its files went too',
  );
  // An old entry found at start (the daemon was stopped) is deleted then.
  const b = await done(h, 'b');
  await h.ok(['rm', b]);
  await h.ok(['daemon', 'stop']);
  t.same(readdirSync(path.join(archiveDir(h.paths), bucketOf(Date.now()))), [b]);
  const old = path.join(archiveDir(h.paths), '20250101T00');
  mkdirSync(old);
  renameSync(path.join(archiveDir(h.paths), bucketOf(Date.now()), b), path.join(old, b));
  await h.ok(['daemon', 'start']);
  await waitFor('the start to delete an entry of a past hour', () => !existsSync(old), 10_000);
  // A daemon stopped moments after its start waits for its worker to register first (killGrace + 5 s), longer than the teardown waits.
  await done(h, 'settled');
});

t.test('[retention] finished = 2 keeps the newest two finished tasks in the store; the rest are archived, oldest first', async (t) => {
  const h = new TestHome(t, { config: '[retention]\nfinished = 2\n' });
  const ids: string[] = [];
  for (const x of ['1', '2', '3', '4']) ids.push(await done(h, x));
  const queued = await h.submit(['--in', '1h', '--', 'true']);
  await waitFor('retention to archive the two oldest', async () => (await archived(h)).total === 2);
  t.same(await inStore(h), [ids[2]!, ids[3]!, queued].sort(), 'the newest two and the unfinished one stay');
  const ls = await archived(h);
  t.same(ls.entries.map((e) => e.id).sort(), [ids[0]!, ids[1]!].sort());
  t.ok(ls.entries.every((e) => e.by === 'retention'));
  humanError(t, await h.run(['undo']), 'NOT_FOUND', /no rm has archived anything/, 1);
  await h.ok(['archive', 'restore', ids[0]!]);
  t.equal(await h.ok(['logs', ids[0]!]), '1\n', 'restored with its output');
  t.same(await inStore(h), [ids[0]!, ids[2]!, ids[3]!, queued].sort(), 'a restored task stays until the next pass');
  const e = await done(h, '5');
  await waitFor('the next task to end to bring the store back to the count', async () => (await archived(h)).total === 3);
  t.same(await inStore(h), [ids[3]!, e, queued].sort(), 'the oldest finished went, the restored one too');
});

t.test('[retention] finished = "1s" archives tasks that ended longer ago, after a restart too', async (t) => {
  const h = new TestHome(t, { config: '[retention]\nfinished = "1s"\n' });
  const a = await done(h, 'a');
  await waitFor('retention by age', async () => (await archived(h)).entries.some((e) => e.id === a), 20_000);
  t.same(await inStore(h), []);
  await h.ok(['daemon', 'stop']);
  const b = await done(h, 'b'); // starts the daemon again
  await waitFor('retention by age after a restart', async () => (await archived(h)).entries.some((e) => e.id === b), 20_000);
  t.equal((await h.json<ArchivedTask>(['archive', 'show', b])).by, 'retention');
});

t.test('a crash cut short: the start finishes an archive whose copy was written, and undoes the rest', async (t) => {
  const h = new TestHome(t);
  const [written, moving, restoring] = [await done(h, 'written'), await done(h, 'moving'), await done(h, 'restoring')];
  await h.ok(['rm', restoring]);
  const restoringEntry = (await h.json<ArchivedTask>(['archive', 'show', restoring])).path;
  const tasks = { written: await h.task(written), moving: await h.task(moving) };
  await h.ok(['daemon', 'stop']);
  // As a crash would leave them: an rm whose copies were written (one whole, one still .part)
  // but whose store batch never ran, and a restore that renamed its entry aside but never wrote the store.
  const at = Date.now();
  const bucket = path.join(archiveDir(h.paths), bucketOf(at));
  mkdirSync(path.join(archiveDir(h.paths), '.journal'), { recursive: true });
  writeFileSync(path.join(archiveDir(h.paths), '.journal', `${at}-1.json`), JSON.stringify({ op: 'archive', by: 'rm', batch: `${at}-1`, at, ids: [written, moving] }));
  mkdirSync(bucket, { recursive: true });
  renameSync(tasks.written.resultDir, path.join(bucket, written));
  writeFileSync(path.join(bucket, written, RECORD_FILE), JSON.stringify({ version: 1, id: written, archivedAt: at, by: 'rm', batch: `${at}-1`, task: tasks.written }));
  renameSync(tasks.moving.resultDir, path.join(bucket, `${moving}.part`));
  writeFileSync(path.join(archiveDir(h.paths), '.journal', `${at}-2.json`), JSON.stringify({ op: 'restore', by: 'rm', batch: `${at}-2`, at, ids: [restoring] }));
  renameSync(restoringEntry, `${restoringEntry}.restoring`);

  t.same(await inStore(h), [moving], 'started again: the copy written whole is archived (the store forgot it)');
  t.equal(await h.ok(['logs', moving]), 'moving\n', 'the copy cut short went back: the task keeps its output');
  t.same((await archived(h)).entries.map((e) => e.id).sort(), [written, restoring].sort(), 'the restore that never reached the store is undone');
  t.same((await h.json(['undo'])).restored, [written], 'undo knows the finished rm');
  t.equal(await h.ok(['logs', written]), 'written\n');
  t.same(readdirSync(path.join(archiveDir(h.paths), '.journal')), [], 'no journal left');
});
