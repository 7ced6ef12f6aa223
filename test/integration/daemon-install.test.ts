import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import t from 'tap';
import { BIN, TestHome, waitFor } from '../helpers/home.js';

function tempConfigHome(t: { teardown(f: () => void): void }): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bk-xdg-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

t.test(
  'daemon install writes a unit, keeps a different one, and uninstall removes it',
  { skip: process.platform === 'darwin' || process.platform === 'win32' ? 'systemd only' : false },
  async (t) => {
    const h = new TestHome(t);
    const xdg = tempConfigHome(t);
    const env = { XDG_CONFIG_HOME: xdg };
    const unitFile = path.join(xdg, 'systemd', 'user', 'blanket.service');

    const printed = await h.run(['daemon', 'install', '--print'], { env });
    t.equal(printed.code, 0, printed.stderr);
    t.match(printed.stdout, `ExecStart=${process.execPath} ${BIN} daemon start --foreground\n`);
    t.match(printed.stdout, `Environment=BLANKET_HOME=${h.dir}\n`);
    t.match(printed.stdout, `Environment=XDG_CONFIG_HOME=${xdg}\n`);
    t.match(printed.stdout, 'Restart=on-failure\n');
    t.notOk(existsSync(unitFile), '--print writes nothing');

    const first = await h.run(['daemon', 'install'], { env });
    t.equal(first.code, 0, first.stderr);
    t.match(first.stdout, `wrote ${unitFile}`);
    t.match(first.stdout, 'systemctl --user enable --now blanket.service');
    t.equal(readFileSync(unitFile, 'utf8'), printed.stdout, 'the file is what --print showed');

    const again = await h.run(['daemon', 'install', '--json'], { env });
    t.equal(again.code, 0, again.stderr);
    t.equal(JSON.parse(again.stdout).written, false, 'the same unit again changes nothing');

    writeFileSync(unitFile, readFileSync(unitFile, 'utf8').replace('RestartSec=2', 'RestartSec=9'));
    const refused = await h.run(['daemon', 'install'], { env });
    t.equal(refused.code, 1);
    t.match(refused.stderr, 'exists and differs');
    t.match(refused.stderr, 'code: EXISTS');
    t.match(readFileSync(unitFile, 'utf8'), 'RestartSec=9', 'a different unit is kept');
    const forced = await h.run(['daemon', 'install', '--force'], { env });
    t.equal(forced.code, 0, forced.stderr);
    t.equal(readFileSync(unitFile, 'utf8'), printed.stdout);

    // What `systemctl --user enable` would have made.
    const wants = path.join(path.dirname(unitFile), 'default.target.wants');
    mkdirSync(wants);
    symlinkSync(unitFile, path.join(wants, 'blanket.service'));
    const un = await h.run(['daemon', 'uninstall', '--json'], { env });
    t.equal(un.code, 0, un.stderr);
    const r = JSON.parse(un.stdout);
    t.same([r.removed, r.links], [true, [path.join(wants, 'blanket.service')]]);
    t.notOk(existsSync(unitFile));
    t.notOk(existsSync(path.join(wants, 'blanket.service')));
    const none = await h.run(['daemon', 'uninstall'], { env });
    t.equal(none.code, 0);
    t.match(none.stdout, 'nothing to remove');

    writeFileSync(unitFile, '[Service]\nExecStart=/bin/true\n');
    const foreign = await h.run(['daemon', 'uninstall'], { env });
    t.equal(foreign.code, 1);
    t.match(foreign.stderr, 'was not written by');
    t.ok(existsSync(unitFile), "someone else's unit is kept");
  },
);

t.test("the unit's ExecStart and Environment run a working daemon", { skip: process.platform === 'win32' }, async (t) => {
  const h = new TestHome(t);
  const xdg = tempConfigHome(t);
  const printed = await h.run(['daemon', 'install', '--print', '--json'], { env: { XDG_CONFIG_HOME: xdg } });
  const unit: string = JSON.parse(printed.stdout).content;
  const argv = /^ExecStart=(.*)$/m.exec(unit)![1]!.split(' ');
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, NO_COLOR: '1' };
  for (const m of unit.matchAll(/^Environment=([^=]+)=(.*)$/gm)) env[m[1]!] = m[2]!;
  t.equal(env.BLANKET_HOME, h.dir);
  const daemon = spawn(argv[0]!, argv.slice(1), { env, stdio: 'ignore' });
  const exited = new Promise<number | null>((r) => daemon.on('exit', (code) => r(code)));
  t.teardown(() => daemon.kill('SIGKILL'));
  await waitFor('the daemon to answer', async () => (await h.run(['daemon', 'status'])).code === 0);
  t.equal(h.daemonPid(), daemon.pid, 'the foreground process is the daemon');
  const stop = await h.run(['daemon', 'stop']);
  t.equal(stop.code, 0, stop.stderr);
  t.equal(await exited, 0, 'a clean stop exits 0, which Restart=on-failure leaves stopped');
});
