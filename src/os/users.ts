// Users and groups of this machine, for a type's `user`/`group`: /etc/passwd and /etc/group,
// then getent (NSS: LDAP, sssd) for a name those files do not have.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { whichCached } from './which.js';

export interface Account {
  name: string;
  id: number;
  /** Users: their primary group's id. */
  gid?: number;
  home?: string;
}

function fromFile(file: string, name: string): string[] | undefined {
  try {
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      const f = line.split(':');
      if (f[0] === name) return f;
    }
  } catch {
    // no such file here: getent may still know
  }
  return undefined;
}

function fromGetent(db: 'passwd' | 'group', name: string): string[] | undefined {
  try {
    return execFileSync('getent', [db, name], { encoding: 'utf8', timeout: 5000, stdio: ['ignore', 'pipe', 'ignore'] })
      .trim()
      .split(':');
  } catch {
    return undefined; // exit 2: not found; or no getent
  }
}

/** A user by name, or undefined when this machine has none of that name. */
export function lookupUser(name: string): Account | undefined {
  const f = fromFile('/etc/passwd', name) ?? fromGetent('passwd', name);
  if (!f || f.length < 6 || !/^\d+$/.test(f[2]!) || !/^\d+$/.test(f[3]!)) return undefined;
  return { name, id: Number(f[2]), gid: Number(f[3]), home: f[5]! };
}

/** A group by name, or undefined. */
export function lookupGroup(name: string): Account | undefined {
  const f = fromFile('/etc/group', name) ?? fromGetent('group', name);
  if (!f || f.length < 3 || !/^\d+$/.test(f[2]!)) return undefined;
  return { name, id: Number(f[2]) };
}

export function accountExists(kind: 'user' | 'group', name: string): boolean {
  return (kind === 'user' ? lookupUser(name) : lookupGroup(name)) !== undefined;
}

/** The daemon can give its tasks another user's ids only as root. */
export function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

export interface AsUser {
  file: string;
  args: string[];
  /** spawn's uid/gid, when the ids are not set by setpriv. */
  ids: { uid?: number; gid?: number };
}

/**
 * How to start `file args` as another user. Node's spawn sets the uid and gid but clears the
 * supplementary groups (libuv calls setgroups(0) and has no initgroups); util-linux's setpriv,
 * when on PATH, sets the user's own groups too (--init-groups), at the cost of one more exec.
 * The working directory is entered before the ids change either way (spawn's chdir; setpriv
 * inherits it), so a task can start in a directory its user could not reach by path.
 */
export function asUser(runAs: { uid: number; gid: number }, file: string, args: string[]): AsUser {
  const setpriv = whichCached('setpriv');
  if (setpriv) return { file: setpriv, args: [`--reuid=${runAs.uid}`, `--regid=${runAs.gid}`, '--init-groups', '--', file, ...args], ids: {} };
  return { file, args, ids: { uid: runAs.uid, gid: runAs.gid } };
}

/**
 * Run `fn` in `dir` with the effective ids (and only the group) of `owner`, then return to
 * ours. For what a root worker writes or reads in the result directory of a task run as
 * another user: that user owns the directory and could have put a symlink there (to
 * /etc/shadow, say), so every file operation in it is done with that user's rights, by path
 * relative to `dir` (entered as root: the user may not be able to reach it by path). Sync
 * only: nothing else of ours runs meanwhile. Without `owner`, just `fn()`.
 */
export function asOwner<T>(owner: { uid: number; gid: number } | undefined, dir: string, fn: () => T): T {
  if (!owner) return fn();
  const cwd = process.cwd();
  const euid = process.geteuid!();
  const egid = process.getegid!();
  const groups = process.getgroups!();
  process.chdir(dir);
  try {
    process.setgroups!([owner.gid]);
    try {
      process.setegid!(owner.gid);
      process.seteuid!(owner.uid);
      return fn();
    } finally {
      process.seteuid!(euid);
      process.setegid!(egid);
      process.setgroups!(groups);
    }
  } finally {
    process.chdir(cwd);
  }
}
