// How each executor receives a command, and in which syntax `{{NAME}}` is
// rendered for it. Only executors listed here run: guessing a flag is how
// `ruby -c` ends up checking syntax and "succeeding" without running anything.
import type { Syntax } from './syntax.js';

export interface ExecutorInfo {
  /** Arguments before the command. */
  flags: string[];
  syntax: Syntax;
  /** How the code reads an environment variable, for executors with no safe `{{NAME}}`. */
  readEnv?: string;
}

const SHELL: ExecutorInfo = { flags: ['-c'], syntax: 'posix' };
const PYTHON: ExecutorInfo = { flags: ['-c'], syntax: 'python' };
const PWSH: ExecutorInfo = { flags: ['-NoProfile', '-NonInteractive', '-Command'], syntax: 'powershell' };

const EXECUTORS: Record<string, ExecutorInfo> = {
  sh: SHELL,
  bash: SHELL,
  dash: SHELL,
  zsh: SHELL,
  ksh: SHELL,
  mksh: SHELL,
  ash: SHELL,
  fish: { flags: ['-c'], syntax: 'fish' },
  python: PYTHON,
  python3: PYTHON,
  pypy3: PYTHON,
  node: { flags: ['-e'], syntax: 'node' },
  ruby: { flags: ['-e'], syntax: 'none', readEnv: 'ENV["NAME"]' },
  perl: { flags: ['-e'], syntax: 'none', readEnv: '$ENV{NAME}' },
  php: { flags: ['-r'], syntax: 'none', readEnv: 'getenv("NAME")' },
  powershell: PWSH,
  pwsh: PWSH,
  cmd: { flags: ['/d', '/s', '/c'], syntax: 'cmd' },
};

/** The executor's program name: no directory, no .exe, lower case. */
export function executorBase(executor: string): string {
  return executor
    .split(/[\\/]/)
    .pop()!
    .replace(/\.exe$/i, '')
    .toLowerCase();
}

/** What blanket knows about an executor, or undefined for one it does not know. python3.12 counts as python. */
export function executorInfo(executor: string): ExecutorInfo | undefined {
  const base = executorBase(executor);
  if (Object.hasOwn(EXECUTORS, base)) return EXECUTORS[base];
  if (/^python[0-9]+(\.[0-9]+)*$/.test(base)) return PYTHON;
  return undefined;
}

/** The executors blanket knows, for messages. */
export function knownExecutors(): string[] {
  return [...Object.keys(EXECUTORS), 'python3.N'];
}

/** Why `executor` cannot run commands, or undefined when it can. */
export function unknownExecutor(executor: string): string | undefined {
  if (executorInfo(executor)) return undefined;
  return `unknown executor "${executor}": blanket knows how to give a command to ${knownExecutors().join(', ')}; to run another program, set executor = "bash" and command = "${executorBase(executor) || 'prog'} …"`;
}

/**
 * executor = [PROGRAM, ARGS…]: the command is appended as the last argument, so the array must
 * end in a shell blanket knows and exactly the flags blanket gives it (e.g. `sh -c`): that shell
 * receives the command, and `{{NAME}}` is rendered for its syntax. Returns that shell, or why the
 * array is refused.
 */
export function executorListShell(list: readonly unknown[]): { shell: string } | { problem: string } {
  if (list.length === 0 || !list.every((a): a is string => typeof a === 'string')) return { problem: 'must be a program name, or a list of a program and its arguments (strings)' };
  if (list.some((a) => a.includes('\0'))) return { problem: 'arguments cannot contain a NUL character' };
  if (!PROGRAM.test(list[0]!)) return { problem: `"${list[0]}": the program (the first element) must be a name or path without spaces or shell characters` };
  for (let i = list.length - 1; i >= 0; i--) {
    const info = executorInfo(list[i]!);
    if (info && list.length - i - 1 === info.flags.length && info.flags.every((f, k) => list[i + 1 + k] === f)) return { shell: list[i]! };
  }
  return {
    problem: `${JSON.stringify(list).replace(/","/g, '", "')}: the command is given to the last program in the list, so the list must end in a shell blanket knows and its command flag, e.g. ["docker", "run", "--rm", "alpine", "sh", "-c"] (known: ${knownExecutors()
      .map((e) => `${e} ${(executorInfo(e) ?? PYTHON).flags.join(' ')}`)
      .join(', ')})`,
  };
}

/** A program name or path an executor may be: nothing a shell would read as syntax. */
export const PROGRAM = /^[^\s'"`$;|&<>]+$/;

/** The executor whose syntax a command is written in: the executor itself, or the shell ending executor = [PROGRAM, ARGS…]. */
export function commandShell(executor: string, args?: readonly string[]): string {
  if (args === undefined) return executor;
  const r = executorListShell([executor, ...args]);
  return 'shell' in r ? r.shell : executor;
}

/**
 * The argv that runs `command` with a known `executor`, or with executor = [executor, ...args]
 * (the command last). Throws for an unknown one (submit refuses those first).
 */
export function executorArgv(executor: string, command: string, args?: readonly string[]): [string, string[]] {
  if (args !== undefined) {
    const r = executorListShell([executor, ...args]);
    if ('problem' in r) throw new Error(`executor: ${r.problem}`);
    return [executor, [...args, command]];
  }
  const info = executorInfo(executor);
  if (!info) throw new Error(unknownExecutor(executor));
  return [executor, [...info.flags, command]];
}

/** The tag a task of this executor implicitly needs (a worker advertises the interpreters it has). */
export function executorTag(executor: string): string | undefined {
  const base = executorBase(executor);
  return /^[a-z][a-z0-9_.+-]*$/.test(base) && !/[\\/]/.test(executor) ? base : undefined;
}

/** An executor as a person reads it: the name, or the list as a type file writes it. */
export function executorLabel(executor: string, args?: readonly string[]): string {
  return args === undefined ? executor : JSON.stringify([executor, ...args]).replace(/","/g, '", "');
}
