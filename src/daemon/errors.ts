// Map anything a handler throws to a JSON-RPC error with a stable code.
import { JSONRPCErrorException } from 'json-rpc-2.0';
import { BlanketError } from '../protocol/errors.js';
import { SchemaError } from '../protocol/schema.js';
import { StoreError } from './store/store.js';

export function toBlanketError(err: unknown): BlanketError {
  if (err instanceof BlanketError) return err;
  if (err instanceof SchemaError) return new BlanketError('INVALID_PARAMS', err.message);
  if (err instanceof StoreError) {
    switch (err.kind) {
      case 'not-found':
        return new BlanketError('NOT_FOUND', err.message, { hint: "list tasks with 'blanket ps'" });
      case 'invalid-state':
        return new BlanketError('INVALID_STATE', err.message);
      case 'stale':
        return new BlanketError('STALE_REPORT', err.message, { hint: 'the task was written off and may run elsewhere: drop this report' });
      case 'full':
        return new BlanketError('STORE_FULL', err.message, { hint: 'free disk space; the daemon keeps answering and recovers by itself' });
      case 'corrupt':
      case 'newer-schema':
        return new BlanketError('STORE_CORRUPT', err.message, { hint: "run 'blanket db check'" });
      case 'locked':
        return new BlanketError('DAEMON_RUNNING', err.message);
      case 'unavailable':
        return new BlanketError('STORE_UNAVAILABLE', err.message, {
          hint: 'nothing was changed by this call; check that PostgreSQL runs and store.url is right, then try again (the daemon reconnects by itself)',
        });
    }
  }
  // LevelDB found damage while reading (a bad block, a record that is not JSON).
  const level = (err as { code?: string; cause?: { code?: string } })?.code ?? (err as { cause?: { code?: string } })?.cause?.code;
  if (level === 'LEVEL_CORRUPTION' || level === 'LEVEL_DECODE_ERROR') {
    return new BlanketError('STORE_CORRUPT', `the store could not be read: ${(err as Error).message}`, {
      hint: "run 'blanket db check'; 'blanket db repair' fixes what it can (after a backup)",
    });
  }
  const e = err as Error;
  return new BlanketError('INTERNAL', `internal error: ${e?.message ?? String(err)} (a bug in blanket; the daemon log has the details)`, { cause: err });
}

export function toRpcException(err: BlanketError): JSONRPCErrorException {
  return new JSONRPCErrorException(err.message, err.rpcCode, err.toData());
}

/**
 * JSON-RPC protocol errors end the connection: the peer is not speaking the protocol.
 * Invalid params are not among them: a well-formed call with a bad value is the user's to fix.
 */
export function isFatalRpcCode(code: number): boolean {
  return (code <= -32600 && code >= -32700 && code !== -32602) || code === -32001 || code === -32002 || code === -32003;
}
