// `blanket db …`: through the daemon when one runs (it holds the store), else
// on the store directly, in this process. Never starts a daemon: the store
// may be why it would not start.
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { Client } from '../client/client.js';
import { effectiveConfig, type Config } from '../core/config.js';
import { maskUrl } from '../core/config/store-url.js';
import { backupsDir, type Paths } from '../core/paths.js';
import { BlanketError } from '../protocol/errors.js';

export async function viaDaemonOrDirect<T>(paths: Paths, viaDaemon: (c: Client) => Promise<T>, direct: () => Promise<T>): Promise<T> {
  const { connect } = await import('../client/connect.js');
  const { StoreBusy } = await import('../daemon/store/offline.js');
  for (let attempt = 1; ; attempt++) {
    let client: Client | undefined;
    try {
      client = await connect({ paths, autostart: false, clientName: 'blanket db' });
    } catch (err) {
      if (!(err instanceof BlanketError && err.code === 'DAEMON_UNAVAILABLE')) throw err;
    }
    if (client) {
      try {
        return await viaDaemon(client);
      } finally {
        client.close();
      }
    }
    const url = storeUrl(paths);
    if (url !== undefined) {
      throw new BlanketError(
        'DAEMON_UNAVAILABLE',
        `the store is in PostgreSQL (${maskUrl(url)}); 'blanket db' works on it through the daemon, and no daemon is running for ${paths.home}`,
        {
          hint: "start it with 'blanket daemon start' and run this again (or use PostgreSQL's own tools: psql, pg_dump)",
        },
      );
    }
    try {
      // The store's files (a repair's rewrite, a backup's copy) are private, as the daemon makes them.
      process.umask(0o077);
      return await direct();
    } catch (err) {
      // A daemon took the store between the two tries: go through it.
      if (!(err instanceof StoreBusy)) throw err;
      if (attempt >= 3)
        throw new BlanketError('DAEMON_RUNNING', `a process holds the store at ${paths.db} but no daemon answers on ${paths.socket}`, {
          hint: "check 'blanket daemon status' and the daemon log",
        });
      await new Promise((r) => setTimeout(r, 200 * attempt));
    }
  }
}

/** A daemon process that the pid file names and that is alive (it may be starting, or hung). */
export async function daemonProcess(paths: Paths): Promise<number | undefined> {
  try {
    const pid = Number((await readFile(paths.pidFile, 'utf8')).trim());
    if (!Number.isInteger(pid) || pid <= 0) return undefined;
    const cmdline = (await readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0');
    return cmdline.some((a) => /daemon[/\\]main\.js$/.test(a)) ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** The configuration as the daemon would read it; undefined when it is invalid (`blanket config` reports that). */
function configOf(paths: Paths): Config | undefined {
  let text: string | undefined;
  try {
    text = readFileSync(paths.config, 'utf8');
  } catch {
    text = undefined;
  }
  try {
    return effectiveConfig(text, process.env, paths.config).config;
  } catch {
    return undefined;
  }
}

/** Where backups go, as the daemon would decide it from config.toml and the environment. */
export function backupRoot(paths: Paths): string {
  return backupsDir(paths, configOf(paths)?.backup.dir); // with a bad config, the default place still works
}

/** The PostgreSQL store's URL when the configuration names one. */
function storeUrl(paths: Paths): string | undefined {
  return configOf(paths)?.store.url;
}
