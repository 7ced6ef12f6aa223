// blanket stats against a real daemon: counts, latency, resources; the
// Prometheus text parsed back; the listener off by default and on 127.0.0.1
// when configured; the sampled history survives a restart.
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import t from 'tap';
import { parsePrometheus, promValue } from '../helpers/prometheus.js';
import { TestHome, waitFor } from '../helpers/home.js';

/** TCP ports a process listens on (Linux): its socket inodes matched against /proc/net/tcp{,6}. */
function listeningPorts(pid: number): number[] {
  const inodes = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m) inodes.add(m[1]!);
    } catch {
      // closed meanwhile
    }
  }
  const ports: number[] = [];
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const row of text.trim().split('\n').slice(1)) {
      const f = row.trim().split(/\s+/);
      if (f[3] === '0A' && inodes.has(f[9]!)) ports.push(parseInt(f[1]!.split(':')[1]!, 16));
    }
  }
  return ports;
}

t.test('stats and metrics', async (t) => {
  await t.test('off by default: no listener; stats computes from the store and /proc', async (t) => {
    const h = new TestHome(t, { workers: 2 });
    t.equal((await h.run(['run', '--wait', '--', 'true'])).code, 0);
    t.equal((await h.run(['run', '--wait', '--', 'sh', '-c', 'exit 3'])).code, 3);
    const long = await h.submit(['--', 'sh', '-c', 'sleep 30 & sleep 30']);
    await h.waitState(long, ['RUNNING']);
    const s = await h.json(['stats']);
    t.equal(s.metrics, undefined, 'no listener');
    if (process.platform === 'linux') t.same(listeningPorts(h.daemonPid()!), [], 'the daemon listens on no TCP port');
    t.match(s.counts, { SUCCESS: 1, ERROR: 1, RUNNING: 1 });
    t.same(s.byType, { shell: { SUCCESS: 1, ERROR: 1, RUNNING: 1 } });
    t.equal(s.finished['1m'], 2);
    t.equal(s.latency.runTime.count, 2);
    t.ok(s.latency.queueWait.p50 >= 0);
    t.match(s.daemon, { pid: h.daemonPid(), rss: Number, cpu: Number, eventLoopLag: Number });
    t.match(s.workers, [{ id: 'local', state: 'running', slots: 2, running: 1 }]);
    const task = s.tasks.find((x: { id: string }) => x.id === long);
    t.ok(task, 'the running task is listed');
    if (process.platform === 'linux') {
      t.ok(s.daemon.fds > 0, 'open fds');
      t.ok(s.workers[0].rss > 0 && s.workers[0].fds > 0, 'worker memory and fds from /proc');
      t.ok(task.processes >= 2 && task.rss > 0, 'the task group: its shell and both sleeps');
    }
    t.ok(s.disk.used > 0 && s.disk.files >= 4 && s.disk.complete, 'result dirs measured');
    t.same(s.history, [], 'no sample yet (one a minute)');

    const text = await h.ok(['stats', '--format', 'prometheus']);
    const f = parsePrometheus(text);
    t.equal(promValue(f, 'blanket_tasks', { state: 'ERROR' }), 1);
    t.equal(promValue(f, 'blanket_type_tasks', { type: 'shell', state: 'RUNNING' }), 1);
    t.equal(promValue(f, 'blanket_tasks_finished', { window: '5m' }), 2);
    t.equal(promValue(f, 'blanket_run_seconds_count'), 2);
    t.equal(promValue(f, 'blanket_worker_slots', { worker: 'local' }), 2);
    t.equal(promValue(f, 'blanket_info', { version: s.version, pid: String(s.daemon.pid) }), 1);
    t.match(await h.ok(['stats']), /^Tasks {2}RUNNING 1 {2}SUCCESS 1 {2}ERROR 1/);
    await h.ok(['kill', long]);
  });

  await t.test('metrics.listen: answers on 127.0.0.1; samples are kept across a restart', async (t) => {
    const h = new TestHome(t, { workers: false, config: '[metrics]\nlisten = "127.0.0.1:0"\nsample_interval = "1s"\n' });
    const s = await h.json(['stats']);
    t.match(s.metrics, { listen: /^127\.0\.0\.1:\d+$/ });
    const url = `http://${s.metrics.listen}`;
    if (process.platform === 'linux') t.same(listeningPorts(h.daemonPid()!), [Number(s.metrics.listen.split(':')[1])], 'only that port');
    const res = await fetch(`${url}/metrics`);
    t.equal(res.status, 200);
    t.match(res.headers.get('content-type'), /^text\/plain; version=0\.0\.4/);
    const f = parsePrometheus(await res.text());
    t.equal(promValue(f, 'blanket_tasks', { state: 'WAITING' }), 0);
    t.equal((await fetch(`${url}/`)).status, 404);
    t.equal((await fetch(`${url}/metrics`, { method: 'POST' })).status, 405);

    const before = await waitFor('two samples', async () => {
      const r = await h.json(['stats', '--history', '100']);
      return r.history.length >= 2 && r;
    });
    t.match(before.history[0], { at: Number, counts: { WAITING: 0 }, finished: 0, rss: Number, cpu: Number, lag: Number, elu: Number, workers: 0 });
    t.ok(before.sampler.lastCostMs >= 0 && before.sampler.intervalMs === 1000);
    await h.ok(['daemon', 'restart']);
    const after = await h.json(['stats', '--history', '100']);
    t.ok(after.history.length >= before.history.length, 'the history survived the restart');
    t.equal(after.history[0].at, before.history[0].at);
    t.not(after.metrics.listen, undefined);
  });

  await t.test('a non-loopback listen address is refused with file:line', async (t) => {
    const h = new TestHome(t, { workers: false, config: '[metrics]\nlisten = "0.0.0.0:9464"\n' });
    const r = await h.run(['config']);
    t.equal(r.code, 1);
    t.match(r.stderr, /config\.toml:2: metrics\.listen: must be a loopback address/);
  });
});
