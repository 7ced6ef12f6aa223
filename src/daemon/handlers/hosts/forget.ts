import os from 'node:os';
import { formatDuration } from '../../../core/duration.js';
import { BlanketError, closest } from '../../../protocol/errors.js';
import type { Handler } from '../../context.js';
import type { ForgetOutcome } from '../../store/store.js';

/**
 * Forget a daemon gone for good: refused (nothing changed) for this daemon, a live lease, or a
 * name the store does not know. Its finished tasks then become every daemon's to archive
 * ([retention], rm; each daemon notices at its next lease renewal) without their output.
 */
export const hostsForget: Handler<'hosts.forget'> = async ({ name }, { daemon }) => {
  const me = daemon.host ?? os.hostname();
  const r = await daemon.store.forgetHost(name, me, daemon.now());
  if (!r.ok) throw refusal(name, me, r);
  daemon.engine.after(r.changes);
  const takenOver = r.changes.filter((c) => c.from === 'CLAIMED' || c.from === 'RUNNING').map((c) => c.task.id);
  daemon.log.warn('forgot a host gone for good (hosts forget): its finished tasks are archivable by every daemon, without their output', {
    host: name,
    finished: r.finished,
    takenOver,
  });
  return { forgotten: name, forgottenAt: r.at, takenOver, finished: r.finished };
};

function refusal(name: string, me: string, r: Extract<ForgetOutcome, { ok: false }>): BlanketError {
  const list = "'blanket hosts ls' lists the daemons of this store";
  switch (r.why) {
    case 'self':
      return new BlanketError('HOST_LIVE', `cannot forget ${name}: it is this daemon, the one answering`, {
        hint: `to retire this host: 'blanket daemon stop' here, wait for its lease to run out (store.lease), then 'blanket hosts forget ${name}' on another host`,
        details: { host: name },
      });
    case 'live':
      return new BlanketError('HOST_LIVE', `cannot forget ${name}: its lease is live (it runs out in ${formatDuration(r.leaseLeftMs)}), so its daemon is running`, {
        hint: `stop it for good first ('blanket daemon stop' on ${name}), wait until 'blanket hosts ls' shows its lease expired, then forget it; nothing was changed`,
        details: { host: name, leaseLeftMs: r.leaseLeftMs },
      });
    case 'forgotten':
      return new BlanketError('NOT_FOUND', `${name} was forgotten already (by ${r.by} at ${new Date(r.at).toISOString()})`, {
        hint: `nothing to do; ${list}`,
        details: { host: name, forgottenAt: r.at, forgottenBy: r.by },
      });
    case 'unknown': {
      const near = closest(name, r.known);
      return new BlanketError('NOT_FOUND', `no daemon named ${name} shares this store${r.known.length === 1 && r.known[0] === me ? ' (this daemon is its only host)' : ''}`, {
        hint: `${near ? `did you mean ${near}? ` : ''}${list}`,
        details: { host: name, known: r.known },
      });
    }
  }
}
