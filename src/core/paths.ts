// Where everything lives. BLANKET_HOME puts it all in one directory;
// otherwise XDG on Linux and the platform's conventions elsewhere.
import path from 'node:path';

export interface Paths {
  /** The directory that identifies this blanket (one daemon per home). */
  home: string;
  config: string;
  typesDir: string;
  db: string;
  results: string;
  logs: string;
  run: string;
  socket: string;
  pidFile: string;
}

export const MAX_SOCKET_PATH = 100;

export function resolvePaths(env: NodeJS.ProcessEnv, platform: NodeJS.Platform, homedir: string): Paths {
  const explicit = env.BLANKET_HOME;
  let configDir: string, stateDir: string, runDir: string;
  if (explicit) {
    const h = path.resolve(explicit);
    [configDir, stateDir, runDir] = [h, h, path.join(h, 'run')];
  } else if (platform === 'darwin') {
    const h = path.join(homedir, 'Library', 'Application Support', 'blanket');
    [configDir, stateDir, runDir] = [h, h, path.join(h, 'run')];
  } else if (platform === 'win32') {
    const h = path.join(env.LOCALAPPDATA ?? path.join(homedir, 'AppData', 'Local'), 'blanket');
    [configDir, stateDir, runDir] = [h, h, path.join(h, 'run')];
  } else {
    configDir = path.join(env.XDG_CONFIG_HOME || path.join(homedir, '.config'), 'blanket');
    stateDir = path.join(env.XDG_STATE_HOME || path.join(homedir, '.local', 'state'), 'blanket');
    runDir = env.XDG_RUNTIME_DIR ? path.join(env.XDG_RUNTIME_DIR, 'blanket') : path.join(stateDir, 'run');
  }
  const socket =
    platform === 'win32' ? `\\\\.\\pipe\\blanket-${Buffer.from(stateDir).toString('base64url').slice(-24)}` : (env.BLANKET_SOCKET ?? path.join(runDir, 'blanket.sock'));
  return {
    home: stateDir,
    config: path.join(configDir, 'config.toml'),
    typesDir: path.join(configDir, 'task-types'),
    db: path.join(stateDir, 'db'),
    results: path.join(stateDir, 'results'),
    logs: path.join(stateDir, 'logs'),
    run: runDir,
    socket,
    pidFile: path.join(runDir, 'daemon.pid'),
  };
}

/** Where backups go: `backup.dir` (relative to config.toml's directory), else backups/ in the state dir. */
export function backupsDir(paths: Paths, dir: string | undefined): string {
  return dir !== undefined ? path.resolve(path.dirname(paths.config), dir) : path.join(paths.home, 'backups');
}

/** Where archived tasks go (blanket rm, [retention]): archive/ in the state dir. */
export function archiveDir(paths: Paths): string {
  return path.join(paths.home, 'archive');
}
