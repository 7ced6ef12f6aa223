// PostgresStore for tests: a fresh database on the file's throw-away server per test, and a
// check that every row's derived columns, the queue groups and the counts follow the JSON.
import type { Test } from 'tap';
import { PostgresStore } from '../../src/daemon/store/pg.js';
import type { Store } from '../../src/daemon/store/store.js';
import type { StoreHandle } from './store-conformance.js';
import type { PgServer } from './postgres.js';

/** What `db check` finds (derived columns, groups, counters), as messages; empty when sound. */
export async function pgConsistency(store: Store): Promise<string[]> {
  const r = await store.admin.check();
  return r.problems.map((p) => `${p.kind} ${p.key ?? ''}: ${p.message}`);
}

export function pgStoreFactory(server: PgServer): (t: Test) => Promise<StoreHandle> {
  return async (t) => {
    const url = await server.createDb();
    const opts = { url, resultsRoot: '/tmp/bk-pg-results', random: () => 0.5 };
    let store = new PostgresStore(opts);
    await store.open();
    t.teardown(() => store.close());
    return {
      get store() {
        return store;
      },
      async reopen() {
        await store.close();
        store = new PostgresStore(opts);
        await store.open();
        return store;
      },
      consistency: pgConsistency,
    };
  };
}
