import { withoutCallerEnv } from '../../core/callerenv.js';
import type { Handler } from '../context.js';
import { noWorkerWarning, prepare, submit } from '../submit.js';

export const run: Handler<'run'> = async (params, { daemon }) => {
  const { draft, warnings } = await prepare(daemon, params);
  const [task] = await submit(daemon, [draft]);
  const w = noWorkerWarning(daemon, task!);
  return { task: withoutCallerEnv(task!), warnings: w ? [...warnings, w] : warnings };
};
