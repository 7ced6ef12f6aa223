// Writes test/fixtures/store-v1/: a real LevelDB store in the schema-1 layout
// (m!schema = 1, m!lastid, task records t!ID and their index keys; no c!
// counters, no g! group registry), as a blanket of schema 1 left it.
//
//   node --import @tapjs/typescript/import scripts/make-store-v1-fixture.ts
//
// The layout below is frozen on purpose: it copies keys.ts indexKeys() as it
// was at schema 1 rather than importing it, so regenerating the fixture after
// a later schema change still writes what an old blanket wrote.
import { rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ClassicLevel } from 'classic-level';
import type { Task } from '../src/protocol/model.js';

const OUT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'test', 'fixtures', 'store-v1');
const RESULTS = '/home/someone/.local/state/blanket/results';
const T = Date.UTC(2025, 5, 1, 9, 0, 0);

function indexKeysV1(t: Task): string[] {
  const pad = (n: number, width = 15) => String(Math.max(0, Math.floor(n))).padStart(width, '0');
  const terminal = ['SUCCESS', 'ERROR', 'TIMEDOUT', 'STOPPED', 'LOST', 'SKIPPED'].includes(t.state);
  const runnable = t.state === 'WAITING' && t.waitingOn.length === 0 && t.notBefore === undefined;
  const keys = [`s!${t.state}!${t.id}`, `ts!${t.type}!${t.state}!${t.id}`];
  if (t.label !== undefined) keys.push(`ls!${t.label.replace(/%/g, '%25').replace(/!/g, '%21')}!${t.state}!${t.id}`);
  if (runnable) keys.push(`q!${[...t.tags].sort().join(',')}|${t.type}!${pad(1_000_000 - t.priority, 7)}!${t.id}`);
  if (t.state === 'WAITING' && t.notBefore !== undefined) keys.push(`n!${pad(t.notBefore)}!${t.id}`);
  if (t.state === 'WAITING' && t.waitingOn.length > 0) keys.push(`b!${t.id}`);
  if (terminal) keys.push(`f!${pad(t.endedAt ?? t.updatedAt)}!${t.id}`);
  if ((t.state === 'CLAIMED' || t.state === 'RUNNING') && t.worker !== undefined) keys.push(`w!${t.worker}!${t.id}`);
  for (const dep of t.after) keys.push(`d!${dep}!${t.id}`);
  return keys;
}

function task(id: string, i: number, patch: Partial<Task>): Task {
  return {
    id,
    type: 'echo_task',
    priority: 0,
    env: {},
    tags: ['bash', 'unix'],
    executor: 'bash',
    command: "echo 'hello from blanket'",
    files: [],
    timeout: 10,
    retries: 0,
    retryBackoff: 10_000,
    maxConcurrent: 0,
    state: 'WAITING',
    attempt: 1,
    attempts: [],
    after: [],
    waitingOn: [],
    createdAt: T + i,
    updatedAt: T + i,
    resultDir: `${RESULTS}/${id}`,
    ...patch,
  };
}

const ran = (i: number, outcome: Task['state'], exitCode: number | null) => ({
  startedAt: T + i + 100,
  endedAt: T + i + 200,
  exitCode,
  signal: null,
  attempts: [
    { attempt: 1, worker: 'w-old', claimedAt: T + i + 50, startedAt: T + i + 100, endedAt: T + i + 200, pid: 9000 + i, outcome: outcome as never, exitCode, signal: null },
  ],
});

export const FIXTURE_TASKS: Task[] = [
  task('0cf48g00', 0, { label: 'old', state: 'SUCCESS', ...ran(0, 'SUCCESS', 0), updatedAt: T + 200 }),
  task('0cf48g01', 1, { state: 'ERROR', reason: 'exited with code 2', ...ran(1, 'ERROR', 2), updatedAt: T + 201 }),
  task('0cf48g02', 2, { state: 'SKIPPED', after: ['0cf48g01'], endedAt: T + 201, reason: 'dependency 0cf48g01 ended ERROR' }),
  // Runnable, in two queue groups: the order to claim them is g05 (priority 5), g03, g04, g06.
  task('0cf48g03', 3, { label: 'old' }),
  task('0cf48g04', 4, { type: 'greet', tags: ['unix'], env: { NAME: 'Ada', TIMES: '1' }, command: "printf 'hello, %s! (%s times)\\n' 'Ada' '1'" }),
  task('0cf48g05', 5, { priority: 5 }),
  task('0cf48g06', 6, { type: 'greet', tags: ['unix'], env: { NAME: 'Bob', TIMES: '2' }, command: "printf 'hello, %s! (%s times)\\n' 'Bob' '2'" }),
  // Not runnable: a retry not yet due, and one waiting on a running task.
  task('0cf48g07', 7, {
    attempt: 2,
    retries: 1,
    notBefore: Date.UTC(2099, 0, 1),
    reason: 'attempt 1 ended ERROR (exited with code 1); retry 1 of 1',
    attempts: [{ attempt: 1, worker: 'w-old', outcome: 'ERROR', exitCode: 1 }],
  }),
  task('0cf48g08', 8, {
    state: 'RUNNING',
    type: 'limited',
    maxConcurrent: 1,
    worker: 'w-old',
    claimedAt: T + 300,
    startedAt: T + 301,
    pid: 9008,
    pgid: 9008,
    attempts: [{ attempt: 1, worker: 'w-old', claimedAt: T + 300, startedAt: T + 301, pid: 9008 }],
  }),
  task('0cf48g09', 9, { after: ['0cf48g08'], waitingOn: ['0cf48g08'], type: 'limited', maxConcurrent: 1 }),
];

async function main(): Promise<void> {
  rmSync(OUT, { recursive: true, force: true });
  const db = new ClassicLevel<string, unknown>(OUT, { valueEncoding: 'json' });
  await db.open();
  const ops: Array<{ type: 'put'; key: string; value: unknown }> = [
    { type: 'put', key: 'm!schema', value: 1 },
    { type: 'put', key: 'm!lastid', value: FIXTURE_TASKS.at(-1)!.id },
  ];
  for (const t of FIXTURE_TASKS) {
    ops.push({ type: 'put', key: `t!${t.id}`, value: t });
    for (const k of indexKeysV1(t)) ops.push({ type: 'put', key: k, value: '' });
  }
  await db.batch(ops);
  await db.compactRange('\x00', '\xff');
  await db.close();
  rmSync(path.join(OUT, 'LOCK'), { force: true });
  console.log(`wrote ${OUT}: ${FIXTURE_TASKS.length} tasks, ${ops.length} keys`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) await main();
