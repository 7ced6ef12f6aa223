// Signal names as users type them.
import { constants } from 'node:os';

const TABLE = constants.signals as unknown as Record<string, number>;

/** "term", "SIGTERM", "15" → "SIGTERM"; undefined when it is not a signal on this platform. */
export function normalizeSignal(s: string): NodeJS.Signals | undefined {
  const up = s.trim().toUpperCase().replace(/^SIG/, '');
  if (/^\d+$/.test(up)) return Object.keys(TABLE).find((k) => TABLE[k] === Number(up)) as NodeJS.Signals | undefined;
  return `SIG${up}` in TABLE ? (`SIG${up}` as NodeJS.Signals) : undefined;
}

export function signalNumber(name: string): number | undefined {
  return TABLE[name];
}
