import type { Handler } from '../../context.js';

export const eventsUnsubscribe: Handler<'events.unsubscribe'> = async ({ subscription }, { daemon, conn }) => {
  if (!conn.subscriptions.delete(subscription)) return { ok: false };
  return { ok: daemon.events.unsubscribe(subscription) };
};
