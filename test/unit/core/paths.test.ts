import t from 'tap';
import { resolvePaths } from '../../../src/core/paths.js';

t.test('BLANKET_HOME holds everything', async (t) => {
  const p = resolvePaths({ BLANKET_HOME: '/tmp/bk', XDG_RUNTIME_DIR: '/run/user/1' }, 'linux', '/home/u');
  t.same(p, {
    home: '/tmp/bk',
    config: '/tmp/bk/config.toml',
    typesDir: '/tmp/bk/task-types',
    db: '/tmp/bk/db',
    results: '/tmp/bk/results',
    logs: '/tmp/bk/logs',
    run: '/tmp/bk/run',
    socket: '/tmp/bk/run/blanket.sock',
    pidFile: '/tmp/bk/run/daemon.pid',
  });
});

t.test('XDG on Linux', async (t) => {
  const p = resolvePaths({ XDG_RUNTIME_DIR: '/run/user/1' }, 'linux', '/home/u');
  t.equal(p.config, '/home/u/.config/blanket/config.toml');
  t.equal(p.db, '/home/u/.local/state/blanket/db');
  t.equal(p.socket, '/run/user/1/blanket/blanket.sock');
  const q = resolvePaths({ XDG_CONFIG_HOME: '/c', XDG_STATE_HOME: '/s' }, 'linux', '/home/u');
  t.equal(q.typesDir, '/c/blanket/task-types');
  t.equal(q.home, '/s/blanket');
  t.equal(q.run, '/s/blanket/run', 'no runtime dir: under the state dir');
  t.equal(resolvePaths({ XDG_CONFIG_HOME: '' }, 'linux', '/h').config, '/h/.config/blanket/config.toml', 'an empty XDG variable is unset');
});

t.test('macOS, Windows and BLANKET_SOCKET', async (t) => {
  t.equal(resolvePaths({}, 'darwin', '/Users/u').db, '/Users/u/Library/Application Support/blanket/db');
  t.match(resolvePaths({}, 'win32', '/Users/u').socket, /^\\\\\.\\pipe\\blanket-/);
  t.equal(resolvePaths({ BLANKET_HOME: '/h', BLANKET_SOCKET: '/tmp/s.sock' }, 'linux', '/u').socket, '/tmp/s.sock');
  t.equal(resolvePaths({ BLANKET_HOME: 'rel' }, 'linux', '/u').home, `${process.cwd()}/rel`, 'a relative home is made absolute');
});
