import { BlanketError } from '../../protocol/errors.js';
import { submitParams } from '../../protocol/methods.js';
import { SchemaError } from '../../protocol/schema.js';
import type { Handler } from '../context.js';
import { prepare, submit } from '../submit.js';
import type { TaskDraft } from '../store/store.js';

/** The built-in type of ad-hoc commands: batch lines of it get the batch's callerEnv. */
const ADHOC_TYPE = 'shell';

/** Many submits in one batch: all are checked first, then all are written together, or none. */
export const runBatch: Handler<'run.batch'> = async (params, { daemon }) => {
  const drafts: TaskDraft[] = [];
  for (const [i, raw] of params.tasks.entries()) {
    try {
      const p = submitParams.parse(raw);
      if (params.callerEnv !== undefined && p.type === ADHOC_TYPE && p.callerEnv === undefined) p.callerEnv = params.callerEnv;
      drafts.push((await prepare(daemon, p)).draft);
    } catch (err) {
      if (err instanceof SchemaError) throw new BlanketError('INVALID_PARAMS', `tasks[${i}]: ${err.message}`, { details: { index: i } });
      if (err instanceof BlanketError)
        throw new BlanketError(err.code, `tasks[${i}]: ${err.message}`, { ...(err.hint ? { hint: err.hint } : {}), details: { ...err.details, index: i } });
      throw err;
    }
  }
  const tasks = await submit(daemon, drafts);
  return { ids: tasks.map((t) => t.id) };
};
