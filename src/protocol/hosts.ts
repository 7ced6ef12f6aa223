// The daemons of a store (`blanket hosts ls`) and forgetting one gone for good (`hosts forget`).

/** live: renewing its lease; expired: silent past it (stopped, crashed or cut off); forgotten: removed by `hosts forget`. */
export type HostLease = 'live' | 'expired' | 'forgotten';

export interface HostInfo {
  /** Its store.host. */
  name: string;
  /** The daemon answering. */
  self: boolean;
  lease: HostLease;
  /** Where it serves its tasks' output to peers (host:port); absent when it serves none. */
  address?: string;
  pid?: number;
  /** When its lease runs (or ran) out, epoch ms (the store server's clock). */
  leaseUntil?: number;
  /** Its lease's time left, ms (negative: expired that long ago), as the store server saw it when asked. */
  leaseLeftMs?: number;
  /** Its last lease renewal (or registration), epoch ms (the store server's clock). */
  renewedAt?: number;
  /** When `hosts forget` forgot it, and by which daemon. */
  forgottenAt?: number;
  forgottenBy?: string;
  /** Tasks claimed or running on it. */
  running: number;
  /** Finished tasks in the store whose output is (or was, when forgotten) in its home. */
  finished: number;
}

export interface HostList {
  hosts: HostInfo[];
  /** Which store: 'leveldb' has one host, this daemon. */
  store: 'leveldb' | 'postgresql';
}

export interface HostForgetResult {
  forgotten: string;
  forgottenAt: number;
  /** Its claimed or running tasks that the forget ended (a lease takeover no peer had made yet). */
  takenOver: string[];
  /** Its finished tasks in the store, now archivable by every daemon ([retention], rm) without their output. */
  finished: number;
}
