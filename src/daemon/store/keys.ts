// Key layout of the LevelDB store. Every index entry of a task is derived
// from the task record by indexKeys(), so an update writes exactly the
// difference between the old and new sets: indexes cannot drift.
import { isTerminal, type Task } from '../../protocol/model.js';

export const SEP = '!';
export const K = {
  schema: 'm!schema',
  lastId: 'm!lastid',
  task: (id: string) => `t!${id}`,
  count: (state: string) => `c!${state}`,
  group: (g: string) => `g!${g}`,
  /** A schedule record, by name. */
  schedule: (name: string) => `sc!${name}`,
  /** Index of the tasks a schedule made: st!NAME!ID. */
  scheduleTasks: (name: string) => `st!${name}!`,
  /** A task type added over RPC. */
  storedType: (name: string) => `y!${name}`,
  /** The claim times kept for a rate-limited type (JSON array of epoch ms, oldest first). */
  starts: (type: string) => `r!${type}`,
};

/** Range bounds for every key starting with `prefix`. */
export function range(prefix: string): { gte: string; lt: string } {
  return { gte: prefix, lt: prefix + '\xff' };
}

export function pad(n: number, width = 15): string {
  return String(Math.max(0, Math.floor(n))).padStart(width, '0');
}

/** Higher priority sorts first. */
export function prioKey(priority: number): string {
  return pad(1_000_000 - priority, 7);
}

export function escapeLabel(label: string): string {
  return label.replace(/%/g, '%25').replace(/!/g, '%21');
}

/**
 * A queue group: tasks needing the same tags, of the same type and label (`TAGS|TYPE`, or
 * `TAGS|TYPE|LABEL` with the label escaped), so fair share between labels has each label's head.
 */
export function groupOf(task: Pick<Task, 'tags' | 'type' | 'label'>): string {
  const base = `${[...task.tags].sort().join(',')}|${task.type}`;
  return task.label === undefined ? base : `${base}|${escapeLabel(task.label)}`;
}

export function parseGroup(g: string): { tags: string[]; type: string; label?: string } {
  const [tags, type] = g.split('|', 2) as [string, string];
  const rest = g.slice(tags.length + type.length + 2);
  const label = g.length > tags.length + type.length + 1 ? decodeURIComponent(rest) : undefined;
  return { tags: tags ? tags.split(',') : [], type, ...(label !== undefined ? { label } : {}) };
}

export function isRunnable(t: Task): boolean {
  return t.state === 'WAITING' && t.waitingOn.length === 0 && t.notBefore === undefined;
}

export function indexKeys(t: Task): string[] {
  const keys = [`s!${t.state}!${t.id}`, `ts!${t.type}!${t.state}!${t.id}`];
  if (t.label !== undefined) keys.push(`ls!${escapeLabel(t.label)}!${t.state}!${t.id}`);
  if (isRunnable(t)) keys.push(`q!${groupOf(t)}!${prioKey(t.priority)}!${t.id}`);
  if (t.state === 'WAITING' && t.notBefore !== undefined) keys.push(`n!${pad(t.notBefore)}!${t.id}`);
  if (t.state === 'WAITING' && t.waitingOn.length > 0) keys.push(`b!${t.id}`);
  if (isTerminal(t.state)) keys.push(`f!${pad(t.endedAt ?? t.updatedAt)}!${t.id}`);
  if ((t.state === 'CLAIMED' || t.state === 'RUNNING') && t.worker !== undefined) keys.push(`w!${t.worker}!${t.id}`);
  for (const dep of t.after) keys.push(`d!${dep}!${t.id}`);
  if (t.schedule) keys.push(`${K.scheduleTasks(t.schedule.name)}${t.id}`);
  return keys;
}

/** The task id at the end of an index key. */
export function idOf(key: string): string {
  return key.slice(key.lastIndexOf(SEP) + 1);
}
