// Every error a user or a peer can cause has a stable string code (what
// programs match on), a JSON-RPC numeric code, and says who can fix it.

export const ERRORS = {
  // JSON-RPC's own protocol errors.
  PARSE_ERROR: { rpc: -32700, user: false },
  INVALID_REQUEST: { rpc: -32600, user: false },
  METHOD_NOT_FOUND: { rpc: -32601, user: false },
  INVALID_PARAMS: { rpc: -32602, user: true },
  INTERNAL: { rpc: -32603, user: false },
  // Transport and handshake.
  MESSAGE_TOO_LARGE: { rpc: -32001, user: false },
  PROTOCOL_VERSION: { rpc: -32002, user: true },
  HANDSHAKE_REQUIRED: { rpc: -32003, user: false },
  DAEMON_UNAVAILABLE: { rpc: -32004, user: true },
  DAEMON_RUNNING: { rpc: -32005, user: true },
  SHUTTING_DOWN: { rpc: -32006, user: false },
  /** A reply larger than the client reads (MAX_REPLY_BYTES): ask for less, or page. */
  REPLY_TOO_LARGE: { rpc: -32007, user: true },
  // Domain errors.
  UNKNOWN_TYPE: { rpc: 1001, user: true },
  MISSING_ENV: { rpc: 1002, user: true },
  BAD_ENV: { rpc: 1003, user: true },
  NOT_FOUND: { rpc: 1004, user: true },
  AMBIGUOUS_ID: { rpc: 1005, user: true },
  INVALID_STATE: { rpc: 1006, user: true },
  TEMPLATE: { rpc: 1007, user: true },
  TYPE_INVALID: { rpc: 1008, user: true },
  EXECUTOR_MISSING: { rpc: 1009, user: true },
  BAD_SIGNAL: { rpc: 1010, user: true },
  BAD_TIME: { rpc: 1011, user: true },
  BAD_CRON: { rpc: 1012, user: true },
  EXISTS: { rpc: 1013, user: true },
  CONFIG_INVALID: { rpc: 1014, user: true },
  STORE_CORRUPT: { rpc: 1015, user: true },
  STORE_FULL: { rpc: 1016, user: true },
  PATH_INVALID: { rpc: 1017, user: true },
  USAGE: { rpc: 1018, user: true },
  NO_WORKER: { rpc: 1019, user: true },
  /** A worker's report for an attempt it no longer holds (it was written off and maybe retried elsewhere): refused, to be dropped. */
  STALE_REPORT: { rpc: 1020, user: false },
  /** (client side) a task being waited on or followed was removed; it will never end. */
  TASK_REMOVED: { rpc: 1021, user: true },
  /** The daemon's store (PostgreSQL) cannot be reached: down, restarting, a wrong password or database. Nothing was changed. */
  STORE_UNAVAILABLE: { rpc: 1022, user: true },
  /** A type with `user` submitted to a daemon that is not root (only root can run a process as another user). */
  RUN_AS_NOT_ROOT: { rpc: 1023, user: true },
  /** A type's `user` names no user of this machine. */
  UNKNOWN_USER: { rpc: 1024, user: true },
  /** A type's `group` names no group of this machine. */
  UNKNOWN_GROUP: { rpc: 1025, user: true },
  /** logs of a task whose output was not kept (keep_output = never, or on_failure and it succeeded). */
  OUTPUT_NOT_KEPT: { rpc: 1026, user: true },
  /** The task ran on another daemon sharing the PostgreSQL store: its output files are on that host. */
  OUTPUT_ON_OTHER_HOST: { rpc: 1027, user: true },
  /** The daemon that holds a task's output (another host) cannot be reached, or its certificate is not the one its hosts row names. */
  PEER_UNAVAILABLE: { rpc: 1028, user: true },
  /** A peer daemon refused this one: the store.peer_token differs. */
  PEER_REFUSED: { rpc: 1029, user: true },
  /** `hosts forget` of a daemon whose lease is live (or of the daemon asked): it is running, so it is not gone. */
  HOST_LIVE: { rpc: 1030, user: true },
  /** The task ran on a host forgotten by `hosts forget`: its output stayed there and cannot be read. */
  OUTPUT_ON_FORGOTTEN_HOST: { rpc: 1031, user: true },
  /** A daemon starting (or renewing) under a store.host that `hosts forget` forgot: it must rejoin under a new name. */
  HOST_FORGOTTEN: { rpc: 1032, user: true },
} as const;

export type ErrorCode = keyof typeof ERRORS;

const byRpc = new Map<number, ErrorCode>(Object.entries(ERRORS).map(([k, v]) => [v.rpc, k as ErrorCode]));

export interface ErrorData {
  code: ErrorCode;
  hint?: string;
  [extra: string]: unknown;
}

export class BlanketError extends Error {
  readonly code: ErrorCode;
  readonly hint: string | undefined;
  readonly details: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, opts: { hint?: string; details?: Record<string, unknown>; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'BlanketError';
    this.code = code;
    this.hint = opts.hint;
    this.details = opts.details ?? {};
  }

  get rpcCode(): number {
    return ERRORS[this.code].rpc;
  }

  /** True when the person at the keyboard can fix it; false when it is our bug or the peer's. */
  get isUserError(): boolean {
    return ERRORS[this.code].user;
  }

  toData(): ErrorData {
    return { ...this.details, code: this.code, ...(this.hint ? { hint: this.hint } : {}) };
  }

  /** Rebuild an error received over the wire. */
  static fromRpc(err: { code: number; message: string; data?: unknown }): BlanketError {
    const data = (typeof err.data === 'object' && err.data !== null ? err.data : {}) as Partial<ErrorData>;
    const code = typeof data.code === 'string' && Object.hasOwn(ERRORS, data.code) ? (data.code as ErrorCode) : (byRpc.get(err.code) ?? 'INTERNAL');
    const { code: _c, hint, ...details } = data;
    return new BlanketError(code, err.message, { ...(hint ? { hint: String(hint) } : {}), details });
  }
}

/** Levenshtein distance, for "did you mean". */
export function closest(word: string, candidates: Iterable<string>): string | undefined {
  const list = [...candidates];
  const w = word.toLowerCase();
  const partial = list.filter((c) => c.toLowerCase().startsWith(w) || (w.length >= 3 && c.toLowerCase().includes(w)));
  if (partial.length === 1) return partial[0];
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of list) {
    const d = distance(word.toLowerCase(), c.toLowerCase());
    if (d < bestD) [best, bestD] = [c, d];
  }
  return best !== undefined && bestD <= Math.max(2, Math.floor(word.length / 2)) ? best : undefined;
}

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length]!;
}
