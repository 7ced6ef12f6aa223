// Turning submit params into task drafts: the type, its env, the rendered
// command and files. Every check happens before anything is written.
import { BlanketError, closest } from '../protocol/errors.js';
import type { SubmitParams } from '../protocol/methods.js';
import type { RunAs, Task } from '../protocol/model.js';
import type { TaskTypeInfo } from '../protocol/model.js';
import { commandShell, executorListShell, executorTag, unknownExecutor } from '../core/executor.js';
import { render, TemplateError, VALUE_PREFIX } from '../core/template.js';
import type { Daemon } from './context.js';
import { resolveIds } from './resolve.js';
import type { TaskDraft } from './store/store.js';
import { whichCached } from '../os/which.js';
import { isRoot, lookupGroup, lookupUser } from '../os/users.js';
import { canRun } from './workers/registry.js';

export interface Prepared {
  draft: TaskDraft;
  warnings: string[];
}

/** Only the type registry, the store and the clock: the scheduler prepares its fires with them too. */
export async function prepare(daemon: Pick<Daemon, 'types' | 'store' | 'now'>, p: SubmitParams): Promise<Prepared> {
  const type = daemon.types.get(p.type);
  if (!type) {
    const guess = closest(p.type, daemon.types.names());
    throw new BlanketError('UNKNOWN_TYPE', `unknown task type "${p.type}"${guess ? `: did you mean "${guess}"?` : ''}`, {
      hint: "list the types with 'blanket types ls'",
      details: { type: p.type, ...(guess ? { suggestion: guess } : {}) },
    });
  }
  const env: Record<string, string> = Object.create(null);
  for (const f of type.environment.default) env[f.name] = f.value ?? '';
  for (const [k, v] of Object.entries(p.env ?? {})) env[k] = v;
  for (const [k, v] of Object.entries(env)) {
    if (v.includes('\0')) {
      throw new BlanketError('BAD_ENV', `the value of ${k} contains a NUL character, which cannot pass through a process environment`, {
        hint: `remove the NUL from ${k} (pass binary data as a file, or encoded, e.g. base64)`,
        details: { name: k },
      });
    }
    if (k.startsWith(VALUE_PREFIX)) {
      throw new BlanketError('BAD_ENV', `${k}: names starting with ${VALUE_PREFIX} are blanket's own (they carry {{NAME}} values to the command)`, {
        hint: `rename the variable, e.g. -e ${k.slice(VALUE_PREFIX.length) || 'NAME'}=…`,
        details: { name: k },
      });
    }
  }
  const missing = type.environment.required.filter((f) => !Object.hasOwn(env, f.name)).map((f) => f.name);
  if (missing.length) {
    throw new BlanketError('MISSING_ENV', `task type ${type.name} requires ${missing.join(', ')}`, {
      hint: missing.map((m) => `-e ${m}=…`).join(' '),
      details: { missing },
    });
  }
  const listed = type.executorArgs ? executorListShell([type.executor, ...type.executorArgs]) : undefined;
  const unknown = listed ? ('problem' in listed ? listed.problem : undefined) : unknownExecutor(type.executor);
  if (unknown) throw new BlanketError('TYPE_INVALID', `${type.name}: ${unknown}`, { hint: `set executor in ${type.source}` });
  if (!whichCached(type.executor)) {
    throw new BlanketError('EXECUTOR_MISSING', `the executor "${type.executor}" of type ${type.name} is not on PATH`, {
      hint: `install ${type.executor}, or set executor in ${type.source}`,
    });
  }
  const runAs = type.user !== undefined ? runAsOf(type) : undefined;
  const vars = { ...env };
  for (const f of type.environment.optional) if (!Object.hasOwn(vars, f.name)) vars[f.name] = '';
  let command: string;
  try {
    command = render(type.command, vars, commandShell(type.executor, type.executorArgs));
  } catch (err) {
    if (err instanceof TemplateError) throw new BlanketError('TEMPLATE', `${type.name}: ${err.message}`);
    throw err;
  }
  // Files are not shell code: every form of placeholder inserts the value as is.
  const files = type.files.map((f) => ({ name: f.name, content: f.content.replace(/\{\{\s*(?:raw\s+|\.)?([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g, (_m, n: string) => vars[n] ?? '') }));
  const after = p.after?.length ? await resolveIds(daemon, p.after) : [];
  const tags = [...new Set([...type.tags, ...(p.tags ?? []), ...(executorTag(type.executor) ? [executorTag(type.executor)!] : [])])].sort();
  const draft: TaskDraft = {
    type: type.name,
    priority: p.priority ?? type.priority,
    env,
    tags,
    executor: type.executor,
    command,
    files,
    keepOutput: p.keepOutput ?? type.keepOutput,
    timeout: p.timeout ?? type.timeout,
    retries: p.retries ?? type.retries,
    retryBackoff: type.retryBackoff,
    maxConcurrent: type.maxConcurrent,
    after,
  };
  if (p.label !== undefined) draft.label = p.label;
  if (p.notBefore !== undefined && p.notBefore > daemon.now()) draft.notBefore = p.notBefore;
  const cwd = p.cwd ?? type.cwd;
  if (cwd !== undefined) draft.cwd = cwd;
  if (p.callerEnv !== undefined) draft.callerEnv = p.callerEnv;
  if (type.combinedOutput) draft.combinedOutput = true;
  if (type.hooks) draft.hooks = { ...type.hooks };
  if (p.notify) draft.notify = true;
  if (type.executorArgs) draft.executorArgs = [...type.executorArgs];
  if (runAs) draft.runAs = runAs;
  return { draft, warnings: type.error ? [`type ${type.name} has errors in its file; the last good version was used:\n${type.error}`] : [] };
}

/** The ids a type's `user`/`group` run as: refused unless the daemon is root and both exist now. */
function runAsOf(type: TaskTypeInfo): RunAs {
  if (!isRoot()) {
    throw new BlanketError(
      'RUN_AS_NOT_ROOT',
      `type ${type.name} runs its tasks as user ${type.user}, which only a daemon running as root can do (this one runs as uid ${process.getuid?.()})`,
      {
        hint: `run the daemon as root, or remove user = "${type.user}" from ${type.source} to run tasks as the daemon's user`,
        details: { type: type.name, user: type.user },
      },
    );
  }
  const user = lookupUser(type.user!);
  if (!user) {
    throw new BlanketError('UNKNOWN_USER', `type ${type.name}: no user named "${type.user}" on this machine`, {
      hint: `create the user, or change user in ${type.source} (getent passwd lists users)`,
      details: { type: type.name, user: type.user },
    });
  }
  const runAs: RunAs = { user: user.name, uid: user.id, gid: user.gid!, ...(user.home ? { home: user.home } : {}) };
  if (type.group !== undefined) {
    const group = lookupGroup(type.group);
    if (!group) {
      throw new BlanketError('UNKNOWN_GROUP', `type ${type.name}: no group named "${type.group}" on this machine`, {
        hint: `create the group, or change group in ${type.source} (getent group lists groups)`,
        details: { type: type.name, group: type.group },
      });
    }
    runAs.group = group.name;
    runAs.gid = group.id;
  }
  return runAs;
}

export async function submit(daemon: Daemon, drafts: TaskDraft[]): Promise<Task[]> {
  return daemon.engine.submit(drafts);
}

/** A warning when no live worker has every tag a task needs (it would wait forever). */
export function noWorkerWarning(daemon: Daemon, task: Task): string | undefined {
  if (canRunSomewhere(daemon, task.tags)) return undefined;
  return daemon.workers.live().length === 0 && daemon.supervisor.specs().length === 0
    ? `no worker is running: task ${task.id} waits until one starts (blanket worker ls)`
    : `no worker has all of the tags ${task.tags.join(', ')}: task ${task.id} waits until one does (blanket worker start --tags …)`;
}

/** A live worker, or a supervised one that is (re)starting, has every tag. */
export function canRunSomewhere(daemon: Daemon, tags: readonly string[]): boolean {
  return canRun(daemon.workers.live(), tags) || daemon.supervisor.specs().some((s) => s.tags !== undefined && tags.every((t) => s.tags!.includes(t)));
}
