// store.url: the PostgreSQL URL a daemon keeps its store in (empty: LevelDB in the home).

/** What is wrong with a store URL, or undefined when its form is right. */
export function checkStoreUrl(text: string): string | undefined {
  if (!/^postgres(ql)?:\/\//.test(text)) return 'must be a PostgreSQL URL, e.g. "postgresql://user:password@host:5432/blanket" (or empty for the LevelDB store in the home)';
  let u: URL;
  try {
    u = new URL(text);
  } catch {
    return 'is not a valid URL: write it as postgresql://user:password@host:port/database (percent-encode special characters in the password)';
  }
  if (u.hostname === '' && !u.searchParams.has('host')) return 'names no host: write it as postgresql://user:password@host:port/database';
  if (u.port !== '' && (Number(u.port) < 1 || Number(u.port) > 65535)) return 'has a port out of range (1 to 65535)';
  if (u.pathname.replace(/^\//, '') === '') return 'names no database: end it with /DATABASE, e.g. postgresql://host/blanket';
  return undefined;
}

/** The URL as it may be shown (logs, errors, `daemon status`, `blanket config`): its password masked. */
export function maskUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password !== '') u.password = '****';
    return u.toString();
  } catch {
    return url.replace(/\/\/([^:/@]*):[^@]*@/, '//$1:****@');
  }
}
