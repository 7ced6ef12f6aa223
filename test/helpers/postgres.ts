// A throw-away PostgreSQL server for tests: initdb into a temp dir (as user postgres when we
// run as root), trust auth on loopback (one role, "pw", needs its password), fsync off, a
// free port; a database per test; stopped (and checked gone) at teardown. Without the
// PostgreSQL binaries the caller skips, saying what to install.
import { spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, appendFileSync, chmodSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Test } from 'tap';
import pg from 'pg';

export const PG_MISSING = "PostgreSQL's server binaries (initdb, pg_ctl) are not installed: apt-get install postgresql (or put them under /usr/lib/postgresql/<version>/bin)";

/** The directory holding initdb and pg_ctl, newest version first; undefined when there is none. */
export function pgBinDir(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root)
    .filter((v) => existsSync(path.join(root, v, 'bin', 'initdb')) && existsSync(path.join(root, v, 'bin', 'pg_ctl')))
    .sort((a, b) => Number(b) - Number(a));
  return versions.length ? path.join(root, versions[0]!, 'bin') : undefined;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

/** A live process (a zombie is not). */
function alive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

export interface PgServer {
  port: number;
  /** postgresql://postgres@127.0.0.1:PORT/DB (trust). */
  url(db: string): string;
  /** A new, empty database; its URL. */
  createDb(): Promise<string>;
  /** Run one statement as the superuser in `db`. */
  sql(db: string, text: string, values?: unknown[]): Promise<pg.QueryResult>;
  /** Stop (immediate: like a crash) and start again; the data stays. */
  stop(): void;
  start(): void;
  /** The postmaster's pid while it runs. */
  pid(): number | undefined;
}

const PASSWORD_ROLE = 'pw';
export const PASSWORD = 'sekret';

/**
 * Start a server for this test file (undefined, and the test is skipped, when PostgreSQL is not installed).
 * `listen`: more addresses to listen on (besides loopback), whose /30 networks are trusted too.
 */
export async function startPostgres(t: Test, extra: { listen?: string[] } = {}): Promise<PgServer | undefined> {
  const bin = pgBinDir();
  if (!bin) {
    t.comment(PG_MISSING);
    return undefined;
  }
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bk-pg-'));
  const data = path.join(dir, 'data');
  const root = process.getuid?.() === 0;
  const asPg = (cmd: string, args: string[]) => {
    const r = root ? spawnSync('runuser', ['-u', 'postgres', '--', cmd, ...args], { encoding: 'utf8' }) : spawnSync(cmd, args, { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`${path.basename(cmd)} ${args.join(' ')} failed (${r.status}): ${r.stderr}${r.stdout}`);
    return r.stdout;
  };
  if (root) {
    const uid = Number(spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).stdout.trim());
    const gid = Number(spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).stdout.trim());
    chownSync(dir, uid, gid);
  }
  chmodSync(dir, 0o700);
  asPg(path.join(bin, 'initdb'), ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync', '--locale=C']);
  // The password role must give its password; everyone else is trusted (loopback only).
  const hba = path.join(data, 'pg_hba.conf');
  const rest = readFileSync(hba, 'utf8');
  rmSync(hba);
  const net30 = (a: string) => a.replace(/\d+$/, (n) => String(Number(n) & ~3));
  const others = (extra.listen ?? []).map((a) => `host all all ${net30(a)}/30 trust\n`).join('');
  appendFileSync(hba, `host all ${PASSWORD_ROLE} 127.0.0.1/32 scram-sha-256\nhost all ${PASSWORD_ROLE} ::1/128 scram-sha-256\n${rest}${others}`);
  if (root) spawnSync('chown', ['postgres:postgres', hba]);
  const port = await freePort();
  // synchronous_commit=off server-wide on purpose: the store must turn it on for its own
  // connections (sync_writes), or the stop-under-a-daemon test loses acknowledged submits.
  const opts = `-p ${port} -k ${dir} -c listen_addresses=${['127.0.0.1', ...(extra.listen ?? [])].join(',')} -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200`;
  let running = false;
  const pidOf = (): number | undefined => {
    try {
      return Number(readFileSync(path.join(data, 'postmaster.pid'), 'utf8').split('\n')[0]);
    } catch {
      return undefined;
    }
  };
  const start = () => {
    asPg(path.join(bin, 'pg_ctl'), ['-D', data, '-l', path.join(dir, 'log'), '-w', '-t', '60', '-o', opts, 'start']);
    running = true;
  };
  const stop = () => {
    if (!running) return;
    const pid = pidOf();
    try {
      asPg(path.join(bin, 'pg_ctl'), ['-D', data, '-m', 'immediate', '-w', '-t', '30', 'stop']);
    } catch {
      if (pid) process.kill(pid, 'SIGKILL');
    }
    running = false;
  };
  start();
  const url = (db: string) => `postgresql://postgres@127.0.0.1:${port}/${db}`;
  const sql = async (db: string, text: string, values?: unknown[]) => {
    const c = new pg.Client({ connectionString: url(db) });
    await c.connect();
    try {
      return await c.query(text, values);
    } finally {
      await c.end();
    }
  };
  await sql('postgres', `CREATE ROLE ${PASSWORD_ROLE} LOGIN SUPERUSER PASSWORD '${PASSWORD}'`);
  let n = 0;
  t.teardown(() => {
    const pid = pidOf();
    stop();
    if (pid !== undefined) {
      // pg_ctl returns once the pid file is gone, a moment before the process is.
      const deadline = Date.now() + 15_000;
      while (alive(pid) && Date.now() < deadline) spawnSync('sleep', ['0.05']);
      if (alive(pid)) {
        process.kill(pid, 'SIGKILL');
        throw new Error(`postgres ${pid} was left running (killed now)`);
      }
    }
    rmSync(dir, { recursive: true, force: true });
  });
  return {
    port,
    url,
    sql,
    stop,
    start,
    pid: () => (running ? pidOf() : undefined),
    async createDb() {
      const name = `t${process.pid}_${++n}`;
      await sql('postgres', `CREATE DATABASE ${name}`);
      return url(name);
    },
  };
}
