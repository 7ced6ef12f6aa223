// A secret kept in a file of its own (store.peer_token_file): it must be the daemon user's and
// private, or it is refused, since anyone who can read it can act as a peer daemon.
import { readFileSync, statSync } from 'node:fs';

/** The file's text without surrounding white space; throws an Error saying what is wrong and how to fix it. */
export function readSecretFile(file: string, minLength: number): string {
  let st;
  try {
    st = statSync(file);
  } catch (err) {
    throw new Error(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}; create it with the shared secret and chmod 600 it`, {
      cause: err,
    });
  }
  if (!st.isFile()) throw new Error(`${file} is not a regular file`);
  const uid = process.getuid?.();
  if (uid !== undefined && st.uid !== uid) throw new Error(`${file} belongs to uid ${st.uid}, not to the user the daemon runs as (uid ${uid}): chown it`);
  if ((st.mode & 0o077) !== 0) throw new Error(`${file} is readable by group or others (mode ${(st.mode & 0o777).toString(8).padStart(4, '0')}): chmod 600 ${file}`);
  const secret = readFileSync(file, 'utf8').trim();
  if (secret.length < minLength)
    throw new Error(`${file} holds ${secret.length ? `a secret of ${secret.length} characters` : 'nothing'}; it needs at least ${minLength} (e.g. openssl rand -hex 24 > ${file})`);
  return secret;
}
