// What an environment variable's name may be. Alone in its module so that the CLI's `run -e`
// checks names without loading the method table (protocol/methods.ts builds every method's
// schema when loaded, which only the daemon checks against).
export const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
