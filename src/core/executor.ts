// How each executor receives a command.

const FLAGS: Record<string, string[]> = {
  node: ['-e'],
  powershell: ['-NoProfile', '-NonInteractive', '-Command'],
  pwsh: ['-NoProfile', '-NonInteractive', '-Command'],
  cmd: ['/d', '/s', '/c'],
};

/** The argv that runs `command` with `executor`: `executor -c command` unless the executor is known to differ. */
export function executorArgv(executor: string, command: string): [string, string[]] {
  const base = executor.split(/[\\/]/).pop()!.replace(/\.exe$/i, '').toLowerCase();
  return [executor, [...(FLAGS[base] ?? ['-c']), command]];
}

/** The tag a task of this executor implicitly needs (a worker advertises the interpreters it has). */
export function executorTag(executor: string): string | undefined {
  const base = executor.split(/[\\/]/).pop()!.replace(/\.exe$/i, '').toLowerCase();
  return /^[a-z][a-z0-9_.+-]*$/.test(base) && !/[\\/]/.test(executor) ? base : undefined;
}
