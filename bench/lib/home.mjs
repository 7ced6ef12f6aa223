// A blanket home for one benchmark: its own short directory, config, bench
// task types, a daemon started and stopped through the real CLI.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BIN, ROOT, dist } from './repo.mjs';
import { alive, processesWithEnv, sleep, timed, waitFor } from './proc.mjs';

const { resolvePaths } = await import(dist('core/paths.js'));
const { connect } = await import(dist('client/connect.js'));

/** How a task prints the time it runs: bash's $EPOCHREALTIME (no fork) when bash ≥ 5 is there, else date(1). */
export const STAMP = (() => {
  try {
    if (/^\d+[.,]\d+$/.test(execFileSync('bash', ['-c', 'echo "$EPOCHREALTIME"'], { encoding: 'utf8' }).trim())) {
      return { executor: 'bash', args: ['-c'], print: 'echo "$EPOCHREALTIME"', what: "bash's $EPOCHREALTIME" };
    }
  } catch {
    // no bash
  }
  return { executor: 'sh', args: ['-c'], print: 'date +%s%N', what: 'date +%s%N (a fork: adds ~1 ms)' };
})();

/** A stamp line as epoch ms. */
export function parseStamp(line) {
  const s = line.trim();
  if (/^\d+[.,]\d+$/.test(s)) return Number(s.replace(',', '.')) * 1000;
  if (/^\d{16,}$/.test(s)) return Number(s) / 1e6;
  return NaN;
}

const TYPES = {
  bench_stamp: `description = "Benchmark: print the time the process started."
executor = "${STAMP.executor}"
command = '${STAMP.print}'
`,
  // Says ready, waits until the bench writes to the fifo $GO, then prints $N stamps 30 ms apart.
  bench_follow: `description = "Benchmark: say ready, wait for the go fifo, then print N time stamps 30 ms apart."
executor = "${STAMP.executor}"
command = '''
echo ready
read -r _ < "$GO"
i=0
while [ "$i" -lt "$N" ]; do ${STAMP.print}; sleep 0.03; i=$((i + 1)); done
'''
`,
};

export class Home {
  /**
   * `slots`: the default worker's slots (0: none, tasks stay queued).
   * `env`: the environment of every blanket process started here (BLANKET_HOME is added).
   */
  constructor(root, name, { slots = 0, env, syncWrites = false }) {
    this.name = name;
    this.dir = path.join(root, name);
    this.paths = resolvePaths({ BLANKET_HOME: this.dir }, process.platform, os.homedir());
    this.env = { ...env, BLANKET_HOME: this.dir };
    this.slots = slots;
    mkdirSync(this.paths.typesDir, { recursive: true });
    writeFileSync(this.paths.config, `sync_writes = ${syncWrites}\n\n[worker]\nslots = ${slots}\n`);
    for (const [n, text] of Object.entries(TYPES)) writeFileSync(path.join(this.paths.typesDir, `${n}.toml`), text);
    this.clients = [];
  }

  /** `blanket ARGS…`, timed. */
  cli(args, opts = {}) {
    return timed(process.execPath, [BIN, ...args], { env: this.env, cwd: ROOT, ...opts });
  }

  /** `blanket daemon start`; resolves when the CLI has exited (the daemon answers by then). */
  async startDaemon() {
    const r = await this.cli(['daemon', 'start', '--json']);
    this.pid = JSON.parse(r.stdout).pid;
    return r;
  }

  daemonPid() {
    try {
      return Number(readFileSync(this.paths.pidFile, 'utf8').trim()) || undefined;
    } catch {
      return undefined;
    }
  }

  async client() {
    const c = await connect({ paths: this.paths, autostart: false, clientName: 'bench' });
    this.clients.push(c);
    return c;
  }

  /** The default worker, once it has registered: { id, pid }. */
  async worker(c) {
    return waitFor(`the worker of ${this.dir}`, async () => (await c.call('worker.ls', {})).workers.find((w) => w.state === 'running' && w.pid), 30_000);
  }

  /** Stop the daemon (its workers stop with it) and wait until every process of this home is gone. */
  async stopDaemon() {
    for (const c of this.clients.splice(0)) c.close();
    const pid = this.daemonPid();
    if (pid && alive(pid)) {
      try {
        const c = await connect({ paths: this.paths, autostart: false, clientName: 'bench' });
        await c.call('daemon.stop', {}).catch(() => {});
        c.close();
      } catch {
        process.kill(pid, 'SIGTERM');
      }
    }
    await waitFor(`every process of ${this.dir} to exit`, () => processesWithEnv('BLANKET_HOME', `${this.dir}\0`).length === 0 || undefined, 30_000);
    await sleep(0);
  }

  remove() {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
