import { withoutCallerEnv } from '../../core/callerenv.js';
import type { Handler } from '../context.js';
import { resolveId } from '../resolve.js';
import { noWorkerWarning, prepare, submit } from '../submit.js';

/** A new task like an old one: same type, env (with overrides), label, priority, limits. */
export const rerun: Handler<'rerun'> = async (params, { daemon }) => {
  const old = (await daemon.store.get(await resolveId(daemon.store, params.id)))!;
  const { draft, warnings } = await prepare(daemon, {
    type: old.type,
    env: { ...old.env, ...(params.env ?? {}) },
    ...(old.label !== undefined ? { label: old.label } : {}),
    priority: old.priority,
    retries: old.retries,
    timeout: old.timeout,
    ...(old.cwd !== undefined ? { cwd: old.cwd } : {}),
    ...(old.callerEnv !== undefined ? { callerEnv: old.callerEnv } : {}),
    ...(old.notify ? { notify: true } : {}),
  });
  const [task] = await submit(daemon, [draft]);
  const w = noWorkerWarning(daemon, task!);
  return { task: withoutCallerEnv(task!), warnings: w ? [...warnings, w] : warnings };
};
