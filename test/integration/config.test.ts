import { chmodSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { processesOf, TestHome } from '../helpers/home.js';

t.test('blanket config shows each value and where it came from', async (t) => {
  const h = new TestHome(t, { config: 'sync_writes = false\n\n[worker]\nslots = 3\n' });
  const r = await h.run(['config', '--json'], { env: { BLANKET_KILL_GRACE: '2s' } });
  t.equal(r.code, 0, r.stderr);
  const rep = JSON.parse(r.stdout);
  t.equal(rep.file, h.paths.config);
  t.equal(rep.fileExists, true);
  t.equal(rep.homeFrom, 'env BLANKET_HOME');
  const by = Object.fromEntries(rep.options.map((o: { key: string }) => [o.key, o]));
  t.same(by['sync_writes'].source, { from: 'file', file: h.paths.config, line: 1 });
  t.same(by['worker.slots'], { key: 'worker.slots', env: 'BLANKET_WORKER_SLOTS', value: 3, text: '3', source: { from: 'file', file: h.paths.config, line: 4 } });
  t.same(by['kill_grace'].source, { from: 'env', name: 'BLANKET_KILL_GRACE' });
  t.equal(by['kill_grace'].value, 2000);
  t.same(by['max_output_bytes'].source, { from: 'default' });

  const human = await h.run(['config'], { env: { BLANKET_WORKER_SLOTS: '5' } });
  t.equal(human.code, 0, human.stderr);
  t.match(human.stdout, new RegExp(`worker\\.slots\\s+5\\s+env BLANKET_WORKER_SLOTS`));
  t.match(human.stdout, new RegExp(`sync_writes\\s+false\\s+${h.paths.config.replace(/[.]/g, '\\.')}:1`));
  t.match(human.stdout, /max_output_bytes\s+100 MiB\s+default/);
  t.same(processesOf(h.dir), [], 'no daemon was started');
});

t.test('a broken config prints file:line and exits non-zero', async (t) => {
  const h = new TestHome(t, { config: 'kill_grace = "10s"\n[worker]\nslots = "lots"\n' });
  const r = await h.run(['config']);
  t.equal(r.code, 1);
  t.match(r.stderr, `${h.paths.config}:3: worker.slots: must be a whole number from 0 to 1024`);
  t.match(r.stderr, 'code: CONFIG_INVALID');
  const j = await h.run(['config', '--json']);
  t.equal(j.code, 1);
  t.equal(JSON.parse(j.stdout).error.code, 'CONFIG_INVALID');
  t.same(JSON.parse(j.stdout).error.errors, [{ file: h.paths.config, line: 3, message: 'worker.slots: must be a whole number from 0 to 1024' }]);

  const env = await h.run(['config'], { env: { BLANKET_WORKER_SLOTS: '7', BLANKET_SYNC_WRITES: 'sometimes' } });
  t.equal(env.code, 1);
  t.match(env.stderr, 'environment variable BLANKET_SYNC_WRITES: sync_writes: must be true or false (got "sometimes")');

  // The daemon refuses the same configuration, with the same words.
  const d = await h.run(['daemon', 'start']);
  t.not(d.code, 0);
  t.match(d.stderr, `${h.paths.config}:3: worker.slots`);
});

t.test('store.peer_token_file: the daemon reads the secret from a private file, and refuses one that is not', async (t) => {
  const h = new TestHome(t, { workers: false });
  const file = path.join(h.dir, 'peer.token');
  const writeConfig = (extra: string) => writeFileSync(h.paths.config, `[store]\npeer_token_file = "${file}"\n${extra}`);
  const refused = async (why: RegExp) => {
    const d = await h.run(['daemon', 'start']);
    t.not(d.code, 0, 'the daemon does not start');
    t.match(d.stderr, 'code: CONFIG_INVALID');
    t.match(d.stderr, why);
    t.equal(h.daemonPid(), undefined, 'and leaves no daemon');
  };
  writeConfig('');
  await refused(/store\.peer_token_file: cannot read .*peer\.token: ENOENT; create it with the shared secret and chmod 600 it/);
  writeFileSync(file, 'a-shared-secret-of-the-hosts\n', { mode: 0o644 });
  chmodSync(file, 0o644);
  await refused(/readable by group or others \(mode 0644\): chmod 600 /);
  chmodSync(file, 0o600);
  writeFileSync(file, 'short\n');
  await refused(/holds a secret of 5 characters; it needs at least 16/);
  writeConfig('peer_token = "another-secret-of-16+"\n');
  const both = await h.run(['config']);
  t.not(both.code, 0);
  t.match(both.stderr, /store\.peer_token_file: is set, and so is store\.peer_token/);
  writeFileSync(file, '  a-shared-secret-of-the-hosts\n');
  writeConfig('');
  const ok = await h.run(['daemon', 'start']);
  t.equal(ok.code, 0, ok.stderr);
  const shown = (await h.json(['config'])).options.find((o: { key: string }) => o.key === 'store.peer_token_file');
  t.match(shown, { value: file, source: { from: 'file' } });
});
