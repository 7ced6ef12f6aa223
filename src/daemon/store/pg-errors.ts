// What PostgreSQL's failures mean to blanket: the store cannot be reached (STORE_UNAVAILABLE:
// refused, dropped, timed out, wrong password, no such database), or a transaction to run again
// (deadlock, serialization), or a bug. And the URL as it may be shown: its password masked.
import { StoreError } from './store.js';

export { maskUrl } from '../../core/config/store-url.js';

const NET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE', 'ENOENT']);

function sqlState(err: unknown): string | undefined {
  const code = (err as { code?: unknown })?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

/** The connection is gone (or never came): the client must not be reused. */
export function isConnectionLost(err: unknown): boolean {
  const code = (err as { code?: unknown })?.code;
  if (typeof code === 'string' && NET_CODES.has(code)) return true;
  const state = sqlState(err);
  if (state !== undefined && (state.startsWith('08') || state === '57P01' || state === '57P02' || state === '57P03')) return true;
  const msg = String((err as Error)?.message ?? '');
  return /Connection terminated|connection timeout|timeout exceeded when trying to connect|Query read timeout|Client has encountered a connection error|not queryable/i.test(msg);
}

/** PostgreSQL gave up on the transaction to let another go on: run it again. */
export function isRetryable(err: unknown): boolean {
  const state = sqlState(err);
  return state === '40P01' || state === '40001';
}

/** Any failure of a store call as a StoreError (or the error as it is, when it is a bug of ours). */
export function toStoreError(err: unknown, where: string): unknown {
  if (err instanceof StoreError) return err;
  const state = sqlState(err);
  const msg = String((err as Error)?.message ?? err);
  if (state === '28P01' || state === '28000')
    return new StoreError(`cannot log in to the PostgreSQL store at ${where}: ${msg}; check the user and password in store.url (or BLANKET_STORE_URL)`, 'unavailable', {
      cause: err,
    });
  if (state === '3D000')
    return new StoreError(`the PostgreSQL store at ${where} cannot be used: ${msg}; create it (createdb) or fix the database name in store.url`, 'unavailable', { cause: err });
  if (isConnectionLost(err)) return new StoreError(`the PostgreSQL store at ${where} is unavailable: ${msg}`, 'unavailable', { cause: err });
  return err;
}
