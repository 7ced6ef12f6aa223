// Fan-out of daemon events to subscribed connections. Filters are applied
// here so a client only receives what it asked for.
import type { DaemonEvent, SubscribeParams } from '../protocol/methods.js';

export interface Subscriber {
  id: string;
  filter: SubscribeParams;
  send(event: DaemonEvent): void;
}

export class EventBus {
  private subs = new Map<string, Subscriber>();
  private seq = 0;
  private listeners = new Set<(e: DaemonEvent) => void>();

  subscribe(filter: SubscribeParams, send: (event: DaemonEvent) => void): Subscriber {
    const sub = { id: `s${++this.seq}`, filter, send };
    this.subs.set(sub.id, sub);
    return sub;
  }

  unsubscribe(id: string): boolean {
    return this.subs.delete(id);
  }

  /** In-process listeners (dispatcher, scheduler) see every event. */
  on(listener: (e: DaemonEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get size(): number {
    return this.subs.size;
  }

  publish(event: DaemonEvent): void {
    for (const l of this.listeners) l(event);
    for (const sub of this.subs.values()) if (matches(sub.filter, event)) sub.send(event);
  }
}

export function matches(filter: SubscribeParams, event: DaemonEvent): boolean {
  const kind = event.kind === 'task.removed' ? 'task' : event.kind === 'log.end' ? 'log' : event.kind;
  // Log chunks go only to those who ask for them by kind.
  if (filter.kinds ? !filter.kinds.includes(kind as never) : kind === 'log') return false;
  if (event.kind === 'task') {
    if (filter.ids && !filter.ids.includes(event.task.id)) return false;
    if (filter.types && !filter.types.includes(event.task.type)) return false;
  }
  if ((event.kind === 'task.removed' || event.kind === 'log' || event.kind === 'log.end') && filter.ids && !filter.ids.includes(event.id)) return false;
  return true;
}
