// The daemon process: `node dist/daemon/main.js`. Prepares the home (umask, private dirs,
// configuration, log), takes the store lock (one daemon per home), then the socket, and
// tells the client that started it on the ready pipe.
import { BlanketError } from '../protocol/errors.js';
import { createDaemon } from './daemon.js';
import { loadConfig, openHome, workerEnv } from './home.js';
import { crashed, fail, report } from './ready.js';

async function main(): Promise<void> {
  const home = openHome();
  const daemon = await createDaemon({ ...home, reloadConfig: () => loadConfig(home.paths), workerEnv: workerEnv() });
  daemon.stopped.on(() => process.exit(0));
  process.on('SIGTERM', () => void daemon.stop('SIGTERM', false));
  process.on('SIGINT', () => void daemon.stop('SIGINT', false));
  process.on('SIGHUP', () => daemon.reloadTypes());
  await daemon.start();
  report({ ready: true, pid: process.pid });
}

main().catch((err: unknown) => (err instanceof BlanketError ? fail(err) : crashed(err)));
