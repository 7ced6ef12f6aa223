// Whether a name stays inside a directory. Its own module so the worker can check
// file names without loading the task type parser (and the TOML library with it).

export function safeRelativePath(p: string): boolean {
  if (p === '' || p.startsWith('/') || p.startsWith('\\') || /^[A-Za-z]:/.test(p) || p.includes('\0')) return false;
  return p.split(/[\\/]/).every((seg) => seg !== '..' && seg !== '');
}
