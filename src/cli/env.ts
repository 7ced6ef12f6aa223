// -e NAME=VALUE flags.
import { ENV_NAME } from '../protocol/envname.js';
import { usage } from './errors.js';

export function parseEnvFlags(values: readonly string[] = []): Record<string, string> {
  const env: Record<string, string> = Object.create(null);
  for (const v of values) {
    const eq = v.indexOf('=');
    if (eq <= 0) throw usage(`-e ${v}: expected NAME=VALUE`, `write -e ${eq === 0 ? 'NAME' : v}=value`);
    const name = v.slice(0, eq);
    if (!ENV_NAME.test(name)) throw usage(`-e ${v}: "${name}" is not a valid environment variable name`, 'names are letters, digits and _, not starting with a digit');
    env[name] = v.slice(eq + 1);
  }
  return env;
}
