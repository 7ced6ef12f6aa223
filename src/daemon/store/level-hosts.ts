// The hosts of a LevelDB store: one, the daemon that has it open (a LevelDB store is never shared).
import type { HostInfo } from '../../protocol/hosts.js';
import { TERMINAL_STATES, type State } from '../../protocol/model.js';
import type { ForgetOutcome } from './store.js';

/** This daemon, live, with the store's counts: every task ran here. */
export function levelHosts(me: string, counts: Record<State, number>): HostInfo[] {
  const finished = TERMINAL_STATES.reduce((n, s) => n + counts[s], 0);
  return [{ name: me, self: true, lease: 'live', running: counts.CLAIMED + counts.RUNNING, finished }];
}

/** Nothing to forget: the only host is this daemon. */
export function levelForget(name: string, me: string): ForgetOutcome {
  return name === me ? { ok: false, why: 'self' } : { ok: false, why: 'unknown', known: [me] };
}
