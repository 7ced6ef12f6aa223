import t from 'tap';
import { disableSteps, enableSteps, launchdPlist, serviceEnv, serviceFile, serviceKind, systemdUnit } from '../../src/core/service.js';

t.test('systemd user unit, exactly', async (t) => {
  const unit = systemdUnit({
    node: '/usr/local/bin/node',
    bin: '/opt/blanket/bin/run.js',
    env: { BLANKET_HOME: '/home/ada/bk', PATH: '/usr/local/bin:/usr/bin:/bin' },
  });
  t.equal(
    unit,
    `# Written by \`blanket daemon install\`; remove it with \`blanket daemon uninstall\`.
[Unit]
Description=blanket task runner daemon
Documentation=man:blanket(1) man:blanket-daemon-install(1)

[Service]
Type=simple
ExecStart=/usr/local/bin/node /opt/blanket/bin/run.js daemon start --foreground
Environment=BLANKET_HOME=/home/ada/bk
Environment=PATH=/usr/local/bin:/usr/bin:/bin
Restart=on-failure
RestartSec=2
# 3: another daemon already serves this home; restarting would not help.
RestartPreventExitStatus=3
# Stop only the daemon: workers and their tasks outlive it and reconnect.
KillMode=process

[Install]
WantedBy=default.target
`,
  );
});

t.test('systemd quoting: spaces, quotes, % and $', async (t) => {
  const unit = systemdUnit({ node: '/opt/my node/node', bin: '/x/100%/$HOME/run.js', env: { BLANKET_HOME: '/home/a "b"' } });
  t.match(unit, 'ExecStart="/opt/my node/node" /x/100%%/$$HOME/run.js daemon start --foreground\n');
  t.match(unit, 'Environment="BLANKET_HOME=/home/a \\"b\\""\n');
  t.notMatch(systemdUnit({ node: '/n', bin: '/b', env: {} }), 'Environment=', 'no Environment= lines when nothing is set');
});

t.test('launchd agent, exactly', async (t) => {
  const plist = launchdPlist({ node: '/usr/local/bin/node', bin: '/opt/b&b/bin/run.js', env: { BLANKET_HOME: '/Users/ada/bk' }, logFile: '/Users/ada/bk/logs/daemon.log' });
  t.equal(
    plist,
    `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<!-- Written by \`blanket daemon install\`; remove it with \`blanket daemon uninstall\`. -->
<plist version="1.0">
<dict>
  <key>Label</key>
  <string>dev.blanket.daemon</string>
  <key>ProgramArguments</key>
  <array>
    <string>/usr/local/bin/node</string>
    <string>/opt/b&amp;b/bin/run.js</string>
    <string>daemon</string>
    <string>start</string>
    <string>--foreground</string>
  </array>
  <key>EnvironmentVariables</key>
  <dict>
    <key>BLANKET_HOME</key>
    <string>/Users/ada/bk</string>
  </dict>
  <key>RunAtLoad</key>
  <true/>
  <!-- Restart on failure, not after a clean stop. -->
  <key>KeepAlive</key>
  <dict>
    <key>SuccessfulExit</key>
    <false/>
  </dict>
  <!-- Workers and their tasks outlive the daemon and reconnect. -->
  <key>AbandonProcessGroup</key>
  <true/>
  <key>StandardOutPath</key>
  <string>/Users/ada/bk/logs/daemon.log</string>
  <key>StandardErrorPath</key>
  <string>/Users/ada/bk/logs/daemon.log</string>
</dict>
</plist>
`,
  );
});

t.test('where the file goes, and what is carried over', async (t) => {
  t.equal(serviceKind('linux'), 'systemd');
  t.equal(serviceKind('freebsd'), 'systemd');
  t.equal(serviceKind('darwin'), 'launchd');
  t.equal(serviceKind('win32'), undefined);
  t.equal(serviceFile('systemd', {}, '/home/ada'), '/home/ada/.config/systemd/user/blanket.service');
  t.equal(serviceFile('systemd', { XDG_CONFIG_HOME: '/tmp/x' }, '/home/ada'), '/tmp/x/systemd/user/blanket.service');
  t.equal(serviceFile('launchd', { XDG_CONFIG_HOME: '/tmp/x' }, '/Users/ada'), '/Users/ada/Library/LaunchAgents/dev.blanket.daemon.plist');
  t.same(serviceEnv({ BLANKET_HOME: '/h', HOME: '/home/ada', PATH: '/bin', BLANKET_SOCKET: '', XDG_STATE_HOME: '/s' }), { BLANKET_HOME: '/h', XDG_STATE_HOME: '/s', PATH: '/bin' });
  t.match(enableSteps('systemd', '/f').join('\n'), 'systemctl --user enable --now blanket.service');
  t.match(enableSteps('launchd', '/f.plist').join('\n'), "launchctl bootstrap gui/$(id -u) '/f.plist'");
  t.match(disableSteps('systemd').join('\n'), 'systemctl --user daemon-reload');
});
