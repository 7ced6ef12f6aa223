// Floor for throughput: spawn COUNT processes of `EXECUTOR -c COMMAND`, CONCURRENCY
// at a time, each in its own process group with stdout and stderr to files in
// its own directory under DIR (what a worker must do at least). Prints
// {"ms", "rate", "cpuMs" (its own)} timed from the first spawn to the last exit.
//   node spawn-loop.mjs COUNT CONCURRENCY DIR [EXECUTOR] [COMMAND]
import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import path from 'node:path';

const [count, concurrency] = process.argv.slice(2, 4).map(Number);
const dir = process.argv[4];
const executor = process.argv[5] ?? 'sh';
const command = process.argv[6] ?? 'true';
let started = 0;
let ended = 0;
const t0 = performance.now();
const cpu0 = process.cpuUsage();
await new Promise((resolve, reject) => {
  const next = () => {
    if (started >= count) return;
    const i = started++;
    const d = path.join(dir, String(i));
    mkdirSync(d, { recursive: true });
    const out = openSync(path.join(d, 'stdout.log'), 'a');
    const err = openSync(path.join(d, 'stderr.log'), 'a');
    const child = spawn(executor, ['-c', command], { cwd: d, detached: true, stdio: ['ignore', out, err] });
    closeSync(out);
    closeSync(err);
    child.on('error', reject);
    child.on('exit', () => {
      if (++ended === count) resolve();
      else next();
    });
  };
  for (let i = 0; i < Math.min(concurrency, count); i++) next();
});
const ms = performance.now() - t0;
const cpu = process.cpuUsage(cpu0);
process.stdout.write(JSON.stringify({ ms, rate: (count / ms) * 1000, cpuMs: (cpu.user + cpu.system) / 1000 }) + '\n');
