// Pure updates that are not daemon events: connection state, notices, the
// followed log and the details view.
import type { ShowResult } from '../protocol/methods.js';
import { appendText, emptyLog, setTail, type Stream } from './log-lines.js';
import type { Connection, DashboardState } from './state.js';

export function connectionChanged(state: DashboardState, connection: Connection, opts: { error?: string; retryAt?: number } = {}): DashboardState {
  const next: DashboardState = { ...state, connection };
  delete next.lastError;
  delete next.retryAt;
  if (opts.error !== undefined) next.lastError = opts.error;
  if (opts.retryAt !== undefined) next.retryAt = opts.retryAt;
  return next;
}

export function noticed(state: DashboardState, text: string, level: 'info' | 'error', now: number): DashboardState {
  return { ...state, notice: { text, level, at: now } };
}

export function logFollowed(state: DashboardState, id: string | undefined): DashboardState {
  const next = { ...state };
  if (id === undefined) delete next.log;
  else next.log = emptyLog(id);
  return next;
}

export function logTailLoaded(state: DashboardState, id: string, text: string): DashboardState {
  if (state.log?.id !== id) return state;
  return { ...state, log: setTail(state.log, text) };
}

export function logFailed(state: DashboardState, id: string, error: string): DashboardState {
  if (state.log?.id !== id) return state;
  return { ...state, log: { ...state.log, loading: false, error } };
}

export function logAppended(state: DashboardState, id: string, text: string, stream: Stream): DashboardState {
  if (state.log?.id !== id) return state;
  return { ...state, log: appendText(state.log, text, stream) };
}

export function detailsOpened(state: DashboardState, id: string): DashboardState {
  return { ...state, details: { id } };
}

export function detailsLoaded(state: DashboardState, show: ShowResult): DashboardState {
  if (state.details?.id !== show.task.id) return state;
  return { ...state, details: { id: show.task.id, show } };
}

export function detailsFailed(state: DashboardState, id: string, error: string): DashboardState {
  if (state.details?.id !== id) return state;
  return { ...state, details: { id, error } };
}

export function detailsClosed(state: DashboardState): DashboardState {
  const next = { ...state };
  delete next.details;
  return next;
}
