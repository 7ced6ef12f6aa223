import { withoutCallerEnv } from '../../../core/callerenv.js';
import type { Handler } from '../../context.js';

/** Events arrive as `event` notifications on this connection until it closes or unsubscribes. */
export const eventsSubscribe: Handler<'events.subscribe'> = async (filter, { daemon, conn }) => {
  const sub = daemon.events.subscribe(filter, (event) =>
    conn.notify('event', { subscription: sub.id, event: event.kind === 'task' && event.task.callerEnv ? { ...event, task: withoutCallerEnv(event.task) } : event }),
  );
  conn.subscriptions.add(sub.id);
  conn.onClose.push(() => daemon.events.unsubscribe(sub.id));
  return { subscription: sub.id };
};
