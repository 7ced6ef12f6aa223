// A real daemon in a short temporary BLANKET_HOME, driven through the real CLI.
// Teardown stops what the test started, by PID, and fails on leftovers. A test file that times
// out is killed (SIGALRM) right after tap reports it, before async teardowns can run: every home
// still live is then stopped at once (SIGKILL to its processes), synchronously.
import tap from 'tap';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { connect } from '../../src/client/connect.js';
import type { Client } from '../../src/client/client.js';
import { resolvePaths, type Paths } from '../../src/core/paths.js';
import type { Task } from '../../src/protocol/model.js';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const BIN = path.join(ROOT, 'bin', 'run.js');

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

interface TapLike {
  teardown(fn: () => unknown): void;
  fail(msg: string): void;
}

/** The environment a blanket process gets in tests: its own home, no colour, no slow CA bundle. */
export function testEnv(home: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, BLANKET_HOME: home, NO_COLOR: '1' };
  delete env.NODE_EXTRA_CA_CERTS;
  delete env.XDG_RUNTIME_DIR;
  delete env.NODE_OPTIONS; // tap's loaders: blanket runs as it does for users
  delete env.BLANKET_SOCKET;
  return { ...env, ...extra }; // a test's own values, NODE_OPTIONS included, are kept
}

/** Every process whose environment names this home: daemons, workers, tasks. */
export function processesOf(home: string): number[] {
  const pids: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d) || Number(d) === process.pid) continue;
    try {
      const env = readFileSync(`/proc/${d}/environ`, 'utf8');
      if (env.includes(`BLANKET_HOME=${home}\0`)) pids.push(Number(d));
    } catch {
      // gone, or not ours to read
    }
  }
  return pids;
}

/** ARGS with --json added where it is blanket's: before the first `--` (after it, words are the command's). */
/** A blanket log file (JSON lines) as its entries; [] while it does not exist. */
export function logEntries<T = { msg: string; [field: string]: unknown }>(file: string): T[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  return text
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as T);
}

export function withJson(args: string[]): string[] {
  const end = args.indexOf('--');
  return end < 0 ? [...args, '--json'] : [...args.slice(0, end), '--json', ...args.slice(end)];
}

export async function waitFor<T>(what: string, check: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (let wait = 5; ; wait = Math.min(wait * 2, 100)) {
    const v = await check();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, wait));
  }
}

/** Homes whose cleanup has not finished. */
const live = new Set<string>();
let hooked = false;

/** Kill every live home's processes now (synchronous: the process is about to be killed). */
function killLiveHomes(): void {
  for (const dir of live) {
    for (const p of processesOf(dir)) {
      try {
        process.kill(p, 'SIGKILL');
      } catch {
        // gone
      }
    }
    rmSync(dir, { recursive: true, force: true });
  }
  live.clear();
}

function hookTimeout(): void {
  if (hooked) return;
  hooked = true;
  // tap's root emits 'timeout' for a file's timeout (its IPC message or SIGALRM), then kills
  // this process on the next tick; 'exit' covers any other way out that skips the teardowns.
  tap.on('timeout', killLiveHomes);
  process.on('exit', killLiveHomes);
}

export class TestHome {
  readonly dir: string;
  readonly paths: Paths;
  private clients: Client[] = [];
  private children = new Set<ChildProcess>();

  /**
   * `workers: false` runs no default worker (tasks stay queued); `types` are written to the
   * home's task-types dir before the daemon starts.
   */
  constructor(
    t: TapLike,
    opts: { config?: string; workers?: boolean | number; types?: Record<string, string>; /** Where the home dir is made (default the temp dir). */ parent?: string } = {},
  ) {
    this.dir = mkdtempSync(path.join(opts.parent ?? os.tmpdir(), 'bk-'));
    this.paths = resolvePaths({ BLANKET_HOME: this.dir }, process.platform, os.homedir());
    let config = opts.config ?? '';
    if (opts.workers === false) config += '\n[worker]\nslots = 0\n';
    else if (typeof opts.workers === 'number') config += `\n[worker]\nslots = ${opts.workers}\n`;
    if (config) writeFileSync(this.paths.config, config);
    if (opts.types) {
      mkdirSync(this.paths.typesDir, { recursive: true });
      for (const [name, text] of Object.entries(opts.types)) writeFileSync(path.join(this.paths.typesDir, `${name}.toml`), text);
    }
    live.add(this.dir);
    hookTimeout();
    t.teardown(() => this.cleanup(t));
  }

  get env(): NodeJS.ProcessEnv {
    return testEnv(this.dir);
  }

  /** Run `blanket ARGS…` to completion. */
  run(args: string[], opts: { input?: string; env?: Record<string, string>; timeoutMs?: number; /** The CLI's working directory. */ cwd?: string } = {}): Promise<RunResult> {
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [BIN, ...args], { env: testEnv(this.dir, opts.env), stdio: ['pipe', 'pipe', 'pipe'], ...(opts.cwd ? { cwd: opts.cwd } : {}) });
      this.children.add(child);
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d) => (stdout += d));
      child.stderr.on('data', (d) => (stderr += d));
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`blanket ${args.join(' ')} did not finish in ${opts.timeoutMs ?? 30_000} ms\nstdout: ${tail(stdout)}\nstderr: ${tail(stderr)}`));
      }, opts.timeoutMs ?? 30_000);
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        this.children.delete(child);
        resolve({ code, signal, stdout, stderr });
      });
      child.stdin.end(opts.input ?? '');
    });
  }

  /** Start `blanket ARGS…` and leave it running (for -f, --watch, top). */
  spawn(args: string[], env: Record<string, string> = {}): ChildProcess {
    const child = spawn(process.execPath, [BIN, ...args], { env: testEnv(this.dir, env), stdio: ['pipe', 'pipe', 'pipe'] });
    this.children.add(child);
    child.on('close', () => this.children.delete(child));
    return child;
  }

  /** A typed RPC client to this home's daemon (started if needed). */
  async client(): Promise<Client> {
    // A daemon that connect() starts inherits this process's environment: make it this home's for the call.
    const saved = process.env;
    process.env = testEnv(this.dir);
    let c: Client;
    try {
      c = await connect({ paths: this.paths, clientName: 'test' });
    } finally {
      process.env = saved;
    }
    this.clients.push(c);
    return c;
  }

  /** Run a command that must succeed; returns its stdout. */
  async ok(args: string[], opts: { input?: string } = {}): Promise<string> {
    const r = await this.run(args, opts);
    if (r.code !== 0) throw new Error(`blanket ${args.join(' ')} exited ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
    return r.stdout;
  }

  /** `--json` output of a command that must succeed. */
  async json<T = any>(args: string[]): Promise<T> {
    return JSON.parse(await this.ok(withJson(args))) as T;
  }

  /** Submit and return the id. */
  async submit(args: string[]): Promise<string> {
    return (await this.ok(['run', '-q', ...args])).trim();
  }

  private rpc: Client | undefined;

  /** A task's record, over RPC (no CLI start per look). */
  async task(id: string): Promise<Task> {
    if (!this.rpc || this.rpc.closed) this.rpc = await this.client(); // a new one after the daemon was killed
    return (await this.rpc.call('show', { id })).task;
  }

  /** Wait until a task is in one of `states`. */
  async waitState(id: string, states: string[], timeoutMs = 15_000): Promise<Task> {
    return waitFor(
      `task ${id} to be ${states.join('|')}`,
      async () => {
        const t = await this.task(id);
        return states.includes(t.state) ? t : undefined;
      },
      timeoutMs,
    );
  }

  daemonPid(): number | undefined {
    try {
      return Number(readFileSync(this.paths.pidFile, 'utf8').trim()) || undefined;
    } catch {
      return undefined;
    }
  }

  async cleanup(t: TapLike): Promise<void> {
    for (const c of this.clients) c.close();
    for (const c of this.children) c.kill('SIGKILL');
    const pid = this.daemonPid();
    if (pid) {
      try {
        process.kill(pid, 'SIGTERM');
      } catch {
        // already gone
      }
    }
    // Give a clean shutdown its chance, then make sure.
    try {
      await waitFor('the daemon and its processes to exit', () => processesOf(this.dir).length === 0, 10_000);
    } catch {
      const left = processesOf(this.dir);
      for (const p of left) {
        try {
          process.kill(p, 'SIGKILL');
        } catch {
          // gone
        }
      }
      t.fail(`processes left behind in ${this.dir}: ${left.join(', ')}`);
    }
    rmSync(this.dir, { recursive: true, force: true });
    live.delete(this.dir);
  }
}

/** The end of what a command printed, for a failure message: a test's report must stay readable (tap chokes on megabytes). */
function tail(s: string, max = 4000): string {
  return s.length <= max ? s : `[… ${s.length - max} characters before]${s.slice(-max)}`;
}
