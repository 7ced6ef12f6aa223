// The real client as a TopClient. The methods top needs that this branch's
// protocol table does not list (worker.*, kill, rerun) pass through untyped;
// once src/protocol/methods.ts has them, the casts can go.
import type { Client } from '../client/client.js';
import { BlanketError } from '../protocol/errors.js';
import type { TopClient, TopEvent } from './data.js';

/** Client.subscribeVia (calls a method that opens a subscription), where the client has it. */
type SubscribeVia = (method: 'logs.follow', params: unknown, listener: (e: TopEvent) => void) => Promise<{ subscription: string; text: string; done: boolean }>;

export function asTopClient(c: Client): TopClient {
  return {
    call: (method, params) => c.call(method as never, params as never) as never,
    subscribe: (filter, listener) => c.subscribe(filter, listener as never),
    followLog: async (params, listener) => {
      const via = (c as unknown as { subscribeVia?: SubscribeVia }).subscribeVia;
      if (!via) throw new BlanketError('METHOD_NOT_FOUND', 'this client cannot follow logs');
      const r = await via.call(c, 'logs.follow', params, listener);
      return {
        text: r.text,
        done: r.done,
        stop: async () => {
          if (!r.done && !c.closed) await c.call('events.unsubscribe', { subscription: r.subscription });
        },
      };
    },
    onClose: (f) => c.onClose(f),
    close: () => c.close(),
  };
}
