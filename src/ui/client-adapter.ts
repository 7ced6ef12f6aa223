// The real client as a TopClient. The methods top needs that the protocol
// table does not list yet (worker.*, kill, rerun, logs) pass through
// untyped; once src/protocol/methods.ts has them, this cast can go.
import type { Client } from '../client/client.js';
import type { TopClient } from './data.js';

export function asTopClient(c: Client): TopClient {
  return {
    call: (method, params) => c.call(method as never, params as never) as never,
    subscribe: (filter, listener) => c.subscribe(filter, listener as never),
    onClose: (f) => c.onClose(f),
    close: () => c.close(),
  };
}
