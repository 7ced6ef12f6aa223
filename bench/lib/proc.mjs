// Timed child processes, and what /proc says about a process (memory, CPU),
// with every child we start tracked so nothing is left behind.
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

const children = new Set();

export function now() {
  return Number(process.hrtime.bigint()) / 1e6;
}

/** Wall-clock epoch ms with sub-ms resolution (comparable to a shell's $EPOCHREALTIME). */
export function epochMs() {
  return performance.timeOrigin + performance.now();
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Start a tracked child. */
export function start(cmd, args, opts = {}) {
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], ...opts });
  children.add(child);
  child.on('exit', () => children.delete(child));
  child.on('error', () => children.delete(child));
  return child;
}

/**
 * Run to completion; `ms` is from just before spawn to its exit. Output is collected.
 * Rejects on a non-zero exit unless `allowFail`.
 */
export function timed(cmd, args, opts = {}) {
  const { timeoutMs = 120_000, allowFail = false, input, ...spawnOpts } = opts;
  return new Promise((resolve, reject) => {
    const t0 = now();
    const child = start(cmd, args, { ...spawnOpts, stdio: spawnOpts.stdio ?? [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (d) => (stdout += d));
    child.stderr?.on('data', (d) => (stderr += d));
    if (input !== undefined) child.stdin.end(input);
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${cmd} ${args.join(' ')} did not finish in ${timeoutMs} ms\n${stderr}`));
    }, timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('exit', (code, signal) => {
      const ms = now() - t0;
      // Output may still be in the pipes: wait for them to close.
      child.on('close', () => {
        clearTimeout(timer);
        if ((code !== 0 || signal) && !allowFail)
          reject(new Error(`${cmd} ${args.join(' ')} exited ${code ?? signal}\nstdout: ${stdout.slice(0, 2000)}\nstderr: ${stderr.slice(0, 2000)}`));
        else resolve({ ms, code, signal, stdout, stderr });
      });
    });
  });
}

/** Resolve once `child` writes a line matching `re` on stdout; returns the line. */
export function lineFrom(child, re, timeoutMs = 30_000) {
  return new Promise((resolve, reject) => {
    let buf = '';
    const timer = setTimeout(() => reject(new Error(`no line matching ${re} within ${timeoutMs} ms`)), timeoutMs);
    const onData = (d) => {
      buf += d;
      for (const line of buf.split('\n')) {
        if (re.test(line)) {
          clearTimeout(timer);
          child.stdout.off('data', onData);
          resolve(line);
          return;
        }
      }
    };
    child.stdout.on('data', onData);
    child.on('exit', () => {
      clearTimeout(timer);
      reject(new Error(`exited before a line matching ${re}`));
    });
  });
}

export async function waitFor(what, check, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  for (let wait = 2; ; wait = Math.min(wait * 2, 100)) {
    const v = await check();
    if (v !== undefined && v !== false && v !== null) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(wait);
  }
}

export function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return err.code === 'EPERM';
  }
}

/** Resident set size in bytes (VmRSS). */
export function rss(pid) {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : NaN;
}

const TICK_MS = 10; // USER_HZ is 100 on Linux

/** CPU time of every thread of a process, in ms: schedstat (ns) when the kernel has it, else utime+stime (10 ms ticks). */
export function cpuMs(pid) {
  try {
    let ns = 0;
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      try {
        ns += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
      } catch {
        // the thread ended
      }
    }
    return ns / 1e6;
  } catch {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = f.slice(f.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * TICK_MS;
  }
}

/** CPU time of a process's main thread only, in ms (a profiler's sampling thread is left out). */
export function mainThreadCpuMs(pid) {
  return Number(readFileSync(`/proc/${pid}/task/${pid}/schedstat`, 'utf8').split(' ')[0]) / 1e6;
}

/** Every process whose environment has `NAME=VALUE…` with VALUE starting with `prefix`. */
export function processesWithEnv(name, prefix) {
  const pids = [];
  const needle = `\0${name}=${prefix}`;
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d) || Number(d) === process.pid) continue;
    try {
      const env = '\0' + readFileSync(`/proc/${d}/environ`, 'utf8');
      if (env.includes(needle)) pids.push(Number(d));
    } catch {
      // gone, or not ours to read
    }
  }
  return pids;
}

/** The pids whose parent is `ppid`, now. */
export function childrenOf(ppid) {
  const pids = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const f = readFileSync(`/proc/${d}/stat`, 'utf8');
      if (Number(f.slice(f.lastIndexOf(')') + 2).split(' ')[1]) === ppid) pids.push(Number(d));
    } catch {
      // gone
    }
  }
  return pids;
}

/** Busy CPU time of the whole machine so far, ms (every core: user, nice, system, irq, softirq, steal). */
export function machineBusyMs() {
  const [, user, nice, system, , , irq, softirq, steal] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).map(Number);
  return (user + nice + system + irq + softirq + steal) * TICK_MS;
}

/** Kill every child we started that is still running. */
export function killChildren() {
  for (const c of children) {
    try {
      c.kill('SIGKILL');
    } catch {
      // gone
    }
  }
  children.clear();
}
