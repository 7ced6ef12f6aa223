// Where `daemon install` writes, and what: the pure parts are in core/service.
import os from 'node:os';
import path from 'node:path';
import { resolvePaths } from '../core/paths.js';
import { serviceEnv, serviceFile, serviceKind, serviceText, type ServiceKind } from '../core/service.js';
import { PACKAGE_ROOT } from '../pkg.js';
import { BlanketError } from '../protocol/errors.js';

export interface ServiceTarget {
  kind: ServiceKind;
  file: string;
  content: string;
}

export function serviceTarget(env: NodeJS.ProcessEnv = process.env): ServiceTarget {
  const kind = serviceKind(process.platform);
  if (!kind)
    throw new BlanketError('USAGE', `blanket daemon install supports systemd (Linux) and launchd (macOS), not ${process.platform}`, {
      hint: "start the daemon at login with your system's scheduler running 'blanket daemon start'",
    });
  const vars = serviceEnv(env);
  if (vars.BLANKET_HOME) vars.BLANKET_HOME = path.resolve(vars.BLANKET_HOME);
  const paths = resolvePaths(env, process.platform, os.homedir());
  const content = serviceText(kind, {
    node: process.execPath,
    bin: path.join(PACKAGE_ROOT, 'bin', 'run.js'),
    env: vars,
    logFile: path.join(paths.logs, 'daemon.out'), // the daemon writes daemon.log itself
  });
  return { kind, file: serviceFile(kind, env, os.homedir()), content };
}
