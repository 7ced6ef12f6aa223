// Blanket starts its daemon and local workers with MALLOC_ARENA_MAX=2 (core/arena.ts: glibc's
// per-thread malloc arenas kept the daemon's memory after a busy spell) unless the user set it,
// and tasks see the user's environment as it was: the variable unset, or the user's own value.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import t, { type Test } from 'tap';
import { TestHome, waitFor } from '../helpers/home.js';

const environ = (pid: number): Record<string, string> =>
  Object.fromEntries(
    readFileSync(`/proc/${pid}/environ`, 'utf8')
      .split('\0')
      .filter(Boolean)
      .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
  );

const PRINT = 'echo "arena=${MALLOC_ARENA_MAX-unset} mark=${BLANKET_ARENA_DEFAULT-unset}"';

async function check(t: Test, user: Record<string, string>, daemonWants: string, taskSees: string): Promise<void> {
  // A hook runs in the daemon's environment: it too must see the user's.
  const dir = mkdtempSync(path.join(os.tmpdir(), 'arena-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const hookOut = path.join(dir, 'hook.out');
  const h = new TestHome(t, { workers: 1, config: `[hooks]\non_finish = "${PRINT.replace(/"/g, '\\"')} >> ${hookOut}"\n` });
  // The CLI starts the daemon (auto-start), as a user's first command does.
  const adhoc = await h.run(['run', '-f', '--', 'sh', '-c', PRINT], { env: user });
  t.equal(adhoc.code, 0, adhoc.stderr);
  t.match(adhoc.stdout, `arena=${taskSees} mark=unset`, 'an ad-hoc task sees the user environment');
  // Submitted over RPC without the caller's environment (as a schedule's are): the worker's.
  const c = await h.client();
  const { ids } = await c.call('run.batch', { tasks: [{ type: 'shell', env: { COMMAND: PRINT } }] });
  await h.waitState(ids[0]!, ['SUCCESS']);
  t.match(await h.ok(['logs', ids[0]!]), `arena=${taskSees} mark=unset`, "a task in the worker's environment too");
  const daemon = environ(h.daemonPid()!);
  t.equal(daemon.MALLOC_ARENA_MAX, daemonWants, 'the daemon started with it');
  const [worker] = (await h.json(['worker', 'ls'])).workers;
  t.equal(environ(worker.pid).MALLOC_ARENA_MAX, daemonWants, 'its local worker too');
  const hooked = await waitFor('both on_finish hooks', () => existsSync(hookOut) && readFileSync(hookOut, 'utf8').split('\n').length > 2 && readFileSync(hookOut, 'utf8'));
  t.equal(hooked, `arena=${taskSees} mark=unset\n`.repeat(2), 'hooks see the user environment');
}

t.test('unset by the user: daemon and worker get 2, tasks do not', (t) => check(t, {}, '2', 'unset'));
t.test("the user's own value is kept for everyone", (t) => check(t, { MALLOC_ARENA_MAX: '4' }, '4', '4'));
