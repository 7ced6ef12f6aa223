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

/** The argv that runs `command` with a known `executor`. Throws for an unknown one (submit refuses those first). */
export function executorArgv(executor: string, command: string): [string, string[]] {
  const info = executorInfo(executor);
  if (!info) throw new Error(unknownExecutor(executor));
  return [executor, [...info.flags, command]];
}

/** The tag a task of this executor implicitly needs (a worker advertises the interpreters it has). */
export function executorTag(executor: string): string | undefined {
  const base = executorBase(executor);
  return /^[a-z][a-z0-9_.+-]*$/.test(base) && !/[\\/]/.test(executor) ? base : undefined;
}
