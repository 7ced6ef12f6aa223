// 200 MB of output, read back through the CLI: byte-exact to a file, the last lines quickly,
// stopped early by a closed pipe, followed, while the daemon keeps answering others.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, createReadStream, existsSync, openSync, readSync, statSync, writeSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { BIN, testEnv, TestHome, waitFor } from '../helpers/home.js';

const SIZE = 200 * 1024 * 1024;
/** Random bytes (so binary, with newlines here and there), then five recognizable last lines. */
const BIG = `head -c ${SIZE} /dev/urandom; printf '\\nl1\\nl2\\nl3\\nl4\\nl5\\n'`;

function sha256(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const h = createHash('sha256');
    createReadStream(file)
      .on('data', (d) => h.update(d))
      .on('end', () => resolve(h.digest('hex')))
      .on('error', reject);
  });
}

/**
 * `blanket ARGS` with stdout to a file; fails (and kills it) once its output has not grown for
 * `stallMs` instead of hanging. A stall, not a total time: on a loaded machine 300 MB take long.
 */
function toFile(home: string, args: string[], out: string, stallMs: number): { done: Promise<{ code: number | null; stderr: string }>; pid: number } {
  const fd = openSync(out, 'w');
  const child = spawn(process.execPath, [BIN, ...args], { env: testEnv(home), stdio: ['ignore', fd, 'pipe'] });
  closeSync(fd);
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  const done = new Promise<{ code: number | null; stderr: string }>((resolve, reject) => {
    let size = -1;
    let grewAt = Date.now();
    const timer = setInterval(() => {
      const now = statSync(out).size;
      if (now !== size) {
        size = now;
        grewAt = Date.now();
      } else if (Date.now() - grewAt > stallMs) {
        clearInterval(timer);
        child.kill('SIGKILL');
        reject(new Error(`blanket ${args.join(' ')} wrote nothing for ${stallMs} ms (${size} bytes out)`));
      }
    }, 500);
    child.on('close', (code) => {
      clearInterval(timer);
      resolve({ code, stderr });
    });
  });
  return { done, pid: child.pid! };
}

t.test('a task that printed 200 MB', async (t) => {
  const h = new TestHome(t, { config: 'max_output_bytes = "300 MiB"\n' }); // teardown deletes the home and the 200 MB in it
  const id = await h.submit(['--', 'sh', '-c', BIG]);
  const task = await h.waitState(id, ['SUCCESS'], 120_000);
  const file = path.join(task.resultDir, 'stdout.log');
  t.ok(statSync(file).size > SIZE, 'the output is all there');

  await t.test('logs ID > file is byte-exact, and the daemon answers others meanwhile', async (t) => {
    const out = path.join(h.dir, 'out.bin');
    const run = toFile(h.dir, ['logs', id], out, 60_000);
    const other = await h.client();
    await waitFor('the first bytes out', () => statSync(out).size > 0, 60_000);
    const ps = await Promise.race([other.call('ps', {}), new Promise<undefined>((r) => setTimeout(r, 20_000, undefined))]);
    t.ok(ps && ps.finished.some((x) => x.id === id), 'ps answered while logs streamed');
    const { code, stderr } = await run.done;
    t.equal(code, 0, stderr);
    t.equal(statSync(out).size, statSync(file).size, 'as many bytes as the file');
    t.equal(await sha256(out), await sha256(file), 'the same bytes');
  });

  await t.test('logs -n 5 reads only the end', async (t) => {
    const r = await h.run(['logs', id, '-n', '5'], { timeoutMs: 30_000 });
    t.equal(r.code, 0, r.stderr);
    t.equal(r.stdout, 'l1\nl2\nl3\nl4\nl5\n');
  });

  await t.test('logs ID | head -c 100 exits once the reader is gone, quietly', async (t) => {
    const child = h.spawn(['logs', id]);
    let got = 0;
    let stderr = '';
    child.stderr!.on('data', (d) => (stderr += d));
    const closed = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    child.stdout!.on('data', (d: Buffer) => {
      got += d.length;
      if (got >= 100) child.stdout!.destroy(); // what head does after 100 bytes
    });
    const code = await Promise.race([closed, new Promise<string>((r) => setTimeout(r, 30_000, 'still running'))]);
    t.equal(code, 0, 'exited by itself');
    t.equal(stderr, '', 'no EPIPE trace');
  });

  await t.test('logs -f of the whole finished output streams it all, then ends', async (t) => {
    const out = path.join(h.dir, 'follow.txt');
    const { code, stderr } = await toFile(h.dir, ['logs', '-f', '-n', '1000000', id], out, 60_000).done;
    t.equal(code, 0, stderr);
    t.ok(statSync(out).size >= SIZE, 'all of it (as text: invalid UTF-8 shows as U+FFFD)');
    const fd = openSync(out, 'r');
    const end = Buffer.alloc(15);
    const { size } = statSync(out);

    readSync(fd, end, 0, 15, size - 15);
    closeSync(fd);
    t.equal(end.toString(), 'l1\nl2\nl3\nl4\nl5\n');
  });
});

t.test('worker logs of a 70 MB worker log come in pages, all of them', async (t) => {
  const h = new TestHome(t);
  await h.ok(['worker', 'ls']);
  const file = path.join(h.paths.logs, 'worker-local.log');
  await waitFor('the worker log', () => existsSync(file), 20_000);
  const line = (i: number) => JSON.stringify({ level: 'info', time: new Date(0).toISOString(), pid: 1, worker: 'local', msg: `filler ${i}`.padEnd(80, '.') });
  const N = 700_000;
  const fd = openSync(file, 'a');
  for (let i = 0; i < N; i += 10_000) writeSync(fd, Array.from({ length: 10_000 }, (_, k) => line(i + k) + '\n').join(''));
  closeSync(fd);
  const r = await h.run(['worker', 'logs', 'local', '-n', '1000000', '--json'], { timeoutMs: 60_000 });
  t.equal(r.code, 0, r.stderr);
  const lines = (JSON.parse(r.stdout) as { text: string }).text.trim().split('\n');
  const fillers = lines.filter((l) => l.includes('filler'));
  t.equal(fillers.length, N, 'every line');
  t.equal(fillers[0], line(0), 'oldest first');
  t.equal(fillers[N - 1], line(N - 1));
});
