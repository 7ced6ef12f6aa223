// Peer for throughput: task-spooler (Debian package `task-spooler`, command
// `tsp`, elsewhere `ts`) running COUNT × `true` with CONCURRENCY slots, each
// submitted by its own `tsp true` from a shell loop (as people use it), output kept
// (tsp's default: a file per job). A private server (TS_SOCKET, TMPDIR under
// DIR), started before the clock and killed after. Prints {"ms", "rate"} timed
// from the first submit to the last job ended, or {"missing": "why"} when no
// task-spooler is installed.
//   node task-spooler.mjs COUNT CONCURRENCY DIR
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';

const [count, concurrency] = process.argv.slice(2, 4).map(Number);
const dir = process.argv[4];
mkdirSync(dir, { recursive: true });
const env = { ...process.env, TS_SOCKET: `${dir}/ts.sock`, TMPDIR: dir, TS_SLOTS: String(concurrency), TS_MAXFINISHED: String(count + 10) };

/** `tsp` on Debian (`ts` is moreutils' there); `ts` where that is task-spooler's name. */
function command() {
  for (const name of ['tsp', 'ts']) {
    try {
      if (/task.?spooler|\[action\]/i.test(execFileSync(name, ['-h'], { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }))) return name;
    } catch (err) {
      if (/\[action\]/.test(String(err.stdout ?? ''))) return name; // some builds exit non-zero after -h
    }
  }
  return undefined;
}

const tsp = command();
if (!tsp) {
  process.stdout.write(JSON.stringify({ missing: 'task-spooler is not installed (Debian: apt-get install task-spooler; command tsp)' }) + '\n');
  process.exit(0);
}
const run = (args) =>
  new Promise((resolve, reject) => {
    const child = spawn(tsp, args, { env, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, out }));
  });

await run(['-S', String(concurrency)]); // starts the server, outside the clock
try {
  const t0 = performance.now();
  // A shell loop, as people submit to it (a node loop of spawns would time node's spawn, not tsp's).
  const loop = spawn('sh', ['-c', 'i=0; while [ $i -lt "$1" ]; do "$2" true >/dev/null || exit 1; i=$((i+1)); done', 'sh', String(count), tsp], { env, stdio: 'inherit' });
  const code = await new Promise((resolve, reject) => (loop.on('error', reject), loop.on('close', resolve)));
  if (code !== 0) throw new Error(`the loop of ${tsp} true exited ${code}`);
  await run(['-w']); // the last job added
  // With several slots an earlier job may still run: wait for each one not finished.
  for (;;) {
    const open = (await run(['-l'])).out
      .split('\n')
      .slice(1)
      .map((l) => l.trim().split(/\s+/))
      .filter((f) => f.length > 1 && f[1] !== 'finished');
    if (open.length === 0) break;
    for (const f of open) await run(['-w', f[0]]);
  }
  const ms = performance.now() - t0;
  const listed = (await run(['-l'])).out.split('\n').filter((l) => /\bfinished\b/.test(l)).length;
  if (listed !== count) throw new Error(`task-spooler lists ${listed} finished jobs of ${count}`);
  process.stdout.write(JSON.stringify({ ms, rate: (count / ms) * 1000, command: tsp }) + '\n');
} finally {
  await run(['-K']);
}
