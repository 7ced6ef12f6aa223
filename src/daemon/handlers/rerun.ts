import { withoutCallerEnv } from '../../core/callerenv.js';
import { rerunDraft } from '../../core/rerun.js';
import { isRoot } from '../../os/users.js';
import { BlanketError } from '../../protocol/errors.js';
import type { Handler } from '../context.js';
import { resolveId } from '../resolve.js';
import { noWorkerWarning, prepare, submit } from '../submit.js';
import type { TaskDraft } from '../store/store.js';

/**
 * A new task like an old one: everything that defined its run is copied (core/rerun.ts), its
 * rendered command too, even if the type has changed since. New -e values render the command
 * and files again, from the type as it is now; everything else is still the old task's.
 */
export const rerun: Handler<'rerun'> = async (params, { daemon }) => {
  const old = (await daemon.store.get(await resolveId(daemon, params.id)))!;
  const copy = rerunDraft(old);
  if (copy.runAs && !isRoot())
    throw new BlanketError(
      'RUN_AS_NOT_ROOT',
      `task ${old.id} ran as user ${copy.runAs.user}, which only a daemon running as root can do (this one runs as uid ${process.getuid?.()})`,
      {
        hint: `run the daemon as root to rerun it, or submit a new task of type ${old.type} once the type runs as the daemon's user`,
        details: { id: old.id, user: copy.runAs.user },
      },
    );
  let draft: TaskDraft = copy;
  let warnings: string[] = [];
  if (params.env && Object.keys(params.env).length) {
    ({ draft, warnings } = await prepare(daemon, {
      type: old.type,
      env: { ...old.env, ...params.env },
      ...(old.label !== undefined ? { label: old.label } : {}),
      priority: old.priority,
      tags: old.tags,
      retries: old.retries,
      timeout: old.timeout,
      ...(old.cwd !== undefined ? { cwd: old.cwd } : {}),
      ...(old.callerEnv !== undefined ? { callerEnv: old.callerEnv } : {}),
      ...(old.notify ? { notify: true } : {}),
      ...(old.keepOutput !== undefined ? { keepOutput: old.keepOutput } : {}),
    }));
  }
  const [task] = await submit(daemon, [draft]);
  const w = noWorkerWarning(daemon, task!);
  return { task: withoutCallerEnv(task!), warnings: w ? [...warnings, w] : warnings };
};
