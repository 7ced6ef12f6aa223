// Hook commands: which hooks a finished task fires, the values they get, and
// rendering their templates. Pure; the daemon's hooks.ts runs them.
import type { Task, TerminalState } from '../protocol/model.js';
import { placementProblems, render, scan, TemplateError } from './template.js';

export const HOOK_NAMES = ['on_success', 'on_failure', 'on_finish'] as const;
export type HookName = (typeof HOOK_NAMES)[number];
export type HookSet = Partial<Record<HookName, string>>;

/** The values a hook template may use, and what they hold. */
export const HOOK_VARS: Readonly<Record<string, string>> = {
  ID: 'the task id',
  TYPE: 'its type',
  STATE: 'its final state (SUCCESS, ERROR, TIMEDOUT, STOPPED, LOST, SKIPPED)',
  EXIT_CODE: 'its exit code (empty when it was ended by a signal or never ran)',
  SIGNAL: 'the signal that ended it (empty when none)',
  DURATION: 'seconds from start to end of its last attempt, e.g. 12.5 (empty when it never ran)',
  RESULT_DIR: 'its result directory',
  OUTPUT: 'the last lines of its output (stdout, or output.log)',
  STDERR: 'the last lines of its stderr',
  LABEL: 'its label (empty when none)',
  ATTEMPT: 'the number of its last attempt',
  REASON: 'why it ended as it did (empty when nothing to say)',
  WORKER: 'the worker that ran it (empty when none)',
  HOOK: 'the hook being run: on_success, on_failure or on_finish',
};

/** The shell hooks run with; values are quoted for it. */
export const HOOK_SHELL = 'sh';

/** on_failure fires for these; STOPPED was a person's choice, so only on_finish sees it. */
const FAILED: readonly TerminalState[] = ['ERROR', 'TIMEDOUT', 'LOST', 'SKIPPED'];

/** Hooks that fire for a task that ended in `state`, in the order they run. */
export function hooksFor(state: TerminalState): HookName[] {
  const out: HookName[] = [];
  if (state === 'SUCCESS') out.push('on_success');
  if (FAILED.includes(state)) out.push('on_failure');
  out.push('on_finish');
  return out;
}

/**
 * A problem with a hook template, or undefined when it is fine. A hook's values come from the
 * task (its output, its label…), so splicing one as code ({{raw NAME}}, Go's {{.NAME}}) is refused
 * unless the type says `allow_raw = true`.
 */
export function checkHookTemplate(template: string, allowRaw = false): string | undefined {
  if (template.trim() === '') return 'must not be empty';
  try {
    for (const use of scan(template)) {
      if (!Object.hasOwn(HOOK_VARS, use.name)) return `{{${use.name}}} is not a hook value (known: ${Object.keys(HOOK_VARS).join(', ')})`;
      if (use.mode !== 'quoted' && !allowRaw) {
        const tag = use.mode === 'raw' ? `{{raw ${use.name}}}` : `{{.${use.name}}}`;
        return `${tag} would run the task's ${use.name} as shell code: write {{${use.name}}} (inserted safely), read $BLANKET_TASK_${use.name}, or set allow_raw = true in the type to say you mean it`;
      }
    }
    const problem = placementProblems(template, HOOK_SHELL)[0];
    if (problem) return problem.message;
  } catch (err) {
    if (err instanceof TemplateError) return err.message;
    throw err;
  }
  return undefined;
}

/** The values of a finished task for its hooks. `output`/`stderr` are the tails already read. */
export function hookValues(task: Task, hook: HookName, tails: { output: string; stderr: string }): Record<string, string> {
  const last = task.attempts[task.attempts.length - 1];
  const started = task.startedAt ?? last?.startedAt;
  const ended = task.endedAt ?? last?.endedAt;
  return dropNul({
    ID: task.id,
    TYPE: task.type,
    STATE: task.state,
    EXIT_CODE: task.exitCode === undefined || task.exitCode === null ? '' : String(task.exitCode),
    SIGNAL: task.signal ?? '',
    DURATION: started !== undefined && ended !== undefined ? String(Math.max(0, ended - started) / 1000) : '',
    RESULT_DIR: task.resultDir,
    OUTPUT: tails.output,
    STDERR: tails.stderr,
    LABEL: task.label ?? '',
    ATTEMPT: String(task.attempt),
    REASON: task.reason ?? '',
    WORKER: task.worker ?? last?.worker ?? '',
    HOOK: hook,
  });
}

/** A NUL (in a task's output, say) cannot pass through an environment or a command line: it is dropped. */
function dropNul(values: Record<string, string>): Record<string, string> {
  for (const k of Object.keys(values)) values[k] = values[k]!.replaceAll('\0', '');
  return values;
}

/** The command line for `sh -c`: every `{{NAME}}` a reference to $BLANKET_TASK_NAME (hookEnv), so no value runs. */
export function renderHook(template: string, values: Record<string, string>): string {
  return render(template, values, HOOK_SHELL, { alias: (n) => `BLANKET_TASK_${n}` });
}

/** The same values as environment variables, for hooks that would rather read them: BLANKET_TASK_ID, … */
export function hookEnv(values: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(values).map(([k, v]) => [`BLANKET_TASK_${k}`, v]));
}
