import type { Handler } from '../../context.js';

/** Ends an events.subscribe or a logs.follow subscription of this connection. */
export const eventsUnsubscribe: Handler<'events.unsubscribe'> = async ({ subscription }, { daemon, conn }) => {
  if (!conn.subscriptions.delete(subscription)) return { ok: false };
  const close = conn.closers.get(subscription);
  if (close) {
    conn.closers.delete(subscription);
    close();
    return { ok: true };
  }
  return { ok: daemon.events.unsubscribe(subscription) };
};
