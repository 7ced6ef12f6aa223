// glibc's malloc arenas. Blanket's long-lived processes (the daemon, its local workers) start
// with MALLOC_ARENA_MAX=2 unless the user set the variable: glibc otherwise grows one arena per
// thread that allocates (LevelDB on libuv's pool), and keeps their memory. glibc reads it only at
// process start, so it must be in the environment the process is started with; a marker says
// blanket put it there, so tasks and hooks get the user's environment as it was.

export const ARENA_VAR = 'MALLOC_ARENA_MAX';
export const ARENA_DEFAULT = '2';
/** Present (value '1') when blanket, not the user, set MALLOC_ARENA_MAX in this environment. */
export const ARENA_MARK = 'BLANKET_ARENA_DEFAULT';

type Env = Record<string, string | undefined>;

/** The arena variables a process started from `env` should have: the user's value, else ours, marked. */
export function arenaEnv(env: Env): Record<string, string> {
  const user = env[ARENA_MARK] === '1' ? undefined : env[ARENA_VAR];
  return user !== undefined ? { [ARENA_VAR]: user } : { [ARENA_VAR]: ARENA_DEFAULT, [ARENA_MARK]: '1' };
}

/** A copy of `env` for starting a daemon or worker: MALLOC_ARENA_MAX=2 unless the user set it. */
export function withArena<E extends Env>(env: E): E {
  const out: Env = { ...env };
  delete out[ARENA_MARK];
  return Object.assign(out, arenaEnv(env)) as E;
}

/** Remove (in place) what `withArena` added, leaving the user's own value alone: for tasks and hooks. */
export function stripArena(env: Env): void {
  if (env[ARENA_MARK] === '1') delete env[ARENA_VAR];
  delete env[ARENA_MARK];
}
