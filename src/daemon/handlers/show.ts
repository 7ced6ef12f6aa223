import { withoutCallerEnv } from '../../core/callerenv.js';
import type { State } from '../../protocol/model.js';
import type { Handler } from '../context.js';
import { resolveId } from '../resolve.js';
import { isRunnable } from '../store/keys.js';
import { rateLimitedText } from '../../core/dispatch.js';

export const show: Handler<'show'> = async (params, { daemon }) => {
  const id = await resolveId(daemon, params.id);
  const task = (await daemon.store.get(id))!;
  const dependents = await daemon.store.dependents(id);
  const related: Record<string, State> = {};
  for (const other of [...task.after, ...dependents]) {
    const t = await daemon.store.get(other);
    if (t) related[other] = t.state;
  }
  const names = task.callerEnv && Object.keys(task.callerEnv).sort();
  const held = isRunnable(task) ? (await daemon.engine.rateLimited())[task.type] : undefined;
  return {
    task: withoutCallerEnv(task),
    dependents,
    related,
    ...(names ? { callerEnvNames: names } : {}),
    ...(held !== undefined ? { waiting: rateLimitedText(held, daemon.now()) } : {}),
  };
};
