// The service file `blanket daemon install` writes: a systemd user unit, or a
// launchd agent on macOS. Pure text; the command does the file system.
import path from 'node:path';

export type ServiceKind = 'systemd' | 'launchd';

export interface ServiceSpec {
  /** Absolute path of the node binary. */
  node: string;
  /** Absolute path of blanket's bin/run.js. */
  bin: string;
  /** Variables the daemon needs to find the same home as this shell. */
  env: Record<string, string>;
  /** launchd only: where the daemon's stdout and stderr go. */
  logFile?: string;
}

/** Marks files we wrote, so uninstall never removes someone else's. */
export const SERVICE_MARKER = 'Written by `blanket daemon install`';
export const SYSTEMD_UNIT = 'blanket.service';
export const LAUNCHD_LABEL = 'dev.blanket.daemon';

/** Exit status of a daemon that found another one serving its home (see daemon/main.ts). */
const EXIT_DAEMON_RUNNING = 3;

/** The variables worth carrying into the service: they decide the home and what tasks find on PATH. */
export const SERVICE_ENV = ['BLANKET_HOME', 'BLANKET_SOCKET', 'XDG_CONFIG_HOME', 'XDG_STATE_HOME', 'PATH'] as const;

export function serviceEnv(env: Record<string, string | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of SERVICE_ENV) if (env[k]) out[k] = env[k];
  return out;
}

export function serviceKind(platform: NodeJS.Platform): ServiceKind | undefined {
  if (platform === 'darwin') return 'launchd';
  if (platform === 'win32') return undefined;
  return 'systemd';
}

export function serviceFile(kind: ServiceKind, env: Record<string, string | undefined>, homedir: string): string {
  if (kind === 'launchd') return path.join(homedir, 'Library', 'LaunchAgents', `${LAUNCHD_LABEL}.plist`);
  return path.join(env.XDG_CONFIG_HOME || path.join(homedir, '.config'), 'systemd', 'user', SYSTEMD_UNIT);
}

export function serviceText(kind: ServiceKind, spec: ServiceSpec): string {
  return kind === 'launchd' ? launchdPlist(spec) : systemdUnit(spec);
}

/** A word of a systemd command line or assignment: % and $ are systemd's own, quotes when needed. */
function systemdWord(s: string, inExec: boolean): string {
  let v = s.replace(/%/g, '%%');
  if (inExec) v = v.replace(/\$/g, '$$$$');
  return /[\s"'\\;]/.test(v) || v === '' ? `"${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"` : v;
}

export function systemdUnit(spec: ServiceSpec): string {
  const exec = [spec.node, spec.bin, 'daemon', 'start', '--foreground'].map((w) => systemdWord(w, true)).join(' ');
  return [
    `# ${SERVICE_MARKER}; remove it with \`blanket daemon uninstall\`.`,
    '[Unit]',
    'Description=blanket task runner daemon',
    'Documentation=man:blanket(1) man:blanket-daemon-install(1)',
    '',
    '[Service]',
    'Type=simple',
    `ExecStart=${exec}`,
    ...Object.entries(spec.env).map(([k, v]) => `Environment=${systemdWord(`${k}=${v}`, false)}`),
    'Restart=on-failure',
    'RestartSec=2',
    `# ${EXIT_DAEMON_RUNNING}: another daemon already serves this home; restarting would not help.`,
    `RestartPreventExitStatus=${EXIT_DAEMON_RUNNING}`,
    '# Stop only the daemon: workers and their tasks outlive it and reconnect.',
    'KillMode=process',
    '',
    '[Install]',
    'WantedBy=default.target',
    '',
  ].join('\n');
}

const xml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export function launchdPlist(spec: ServiceSpec): string {
  const str = (s: string, indent: string) => `${indent}<string>${xml(s)}</string>`;
  const env = Object.entries(spec.env);
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">',
    `<!-- ${SERVICE_MARKER}; remove it with \`blanket daemon uninstall\`. -->`,
    '<plist version="1.0">',
    '<dict>',
    '  <key>Label</key>',
    str(LAUNCHD_LABEL, '  '),
    '  <key>ProgramArguments</key>',
    '  <array>',
    ...[spec.node, spec.bin, 'daemon', 'start', '--foreground'].map((a) => str(a, '    ')),
    '  </array>',
    ...(env.length ? ['  <key>EnvironmentVariables</key>', '  <dict>', ...env.flatMap(([k, v]) => [`    <key>${xml(k)}</key>`, str(v, '    ')]), '  </dict>'] : []),
    '  <key>RunAtLoad</key>',
    '  <true/>',
    '  <!-- Restart on failure, not after a clean stop. -->',
    '  <key>KeepAlive</key>',
    '  <dict>',
    '    <key>SuccessfulExit</key>',
    '    <false/>',
    '  </dict>',
    '  <!-- Workers and their tasks outlive the daemon and reconnect. -->',
    '  <key>AbandonProcessGroup</key>',
    '  <true/>',
    ...(spec.logFile ? ['  <key>StandardOutPath</key>', str(spec.logFile, '  '), '  <key>StandardErrorPath</key>', str(spec.logFile, '  ')] : []),
    '</dict>',
    '</plist>',
    '',
  ].join('\n');
}

/** What the user runs after install to start the service now and at login. */
export function enableSteps(kind: ServiceKind, file: string): string[] {
  if (kind === 'launchd') {
    return ['blanket daemon stop    # if a daemon started by the CLI is running', `launchctl bootstrap gui/$(id -u) '${file}'`];
  }
  return [
    'blanket daemon stop    # if a daemon started by the CLI is running',
    'systemctl --user daemon-reload',
    `systemctl --user enable --now ${SYSTEMD_UNIT}`,
    'loginctl enable-linger "$USER"    # optional: keep it running while you are logged out',
  ];
}

/** What the user runs after uninstall to stop a service that is still loaded. */
export function disableSteps(kind: ServiceKind): string[] {
  if (kind === 'launchd') return [`launchctl bootout gui/$(id -u)/${LAUNCHD_LABEL}`];
  return [`systemctl --user stop ${SYSTEMD_UNIT}    # if it is running`, 'systemctl --user daemon-reload'];
}
