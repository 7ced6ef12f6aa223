// The `/` filter. Words narrow the task lists; all must match. A bare word
// matches a task's type, label or state (case-insensitive, part of it is
// enough); `type:`, `label:` or `state:` pins the word to one field.
import type { Task } from '../protocol/model.js';

const FIELDS = ['type', 'label', 'state'] as const;

export function matchesFilter(t: Task, filter: string): boolean {
  const words = filter.trim().toLowerCase().split(/\s+/).filter(Boolean);
  return words.every((w) => {
    const colon = w.indexOf(':');
    const field = colon > 0 ? ((FIELDS as readonly string[]).includes(w.slice(0, colon)) ? w.slice(0, colon) : undefined) : undefined;
    const value = field ? w.slice(colon + 1) : w;
    const values = { type: t.type, label: t.label ?? '', state: t.state };
    const pick = field ? [values[field as (typeof FIELDS)[number]]] : Object.values(values);
    return pick.some((v) => v.toLowerCase().includes(value));
  });
}
