// The shared Store conformance suite, run against PostgresStore on a throw-away PostgreSQL.
import t from 'tap';
import { PG_MISSING, startPostgres } from '../helpers/postgres.js';
import { pgStoreFactory } from '../helpers/pg-store.js';
import { storeConformance } from '../helpers/store-conformance.js';

const server = await startPostgres(t);
if (!server) t.test(PG_MISSING, { skip: PG_MISSING }, () => {});
else storeConformance(t, pgStoreFactory(server));
