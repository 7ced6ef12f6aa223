// Task ids as users type them: a whole id or a unique prefix.
import { BlanketError } from '../protocol/errors.js';
import type { Store } from './store/store.js';

export async function resolveId(store: Store, arg: string): Promise<string> {
  if (await store.get(arg)) return arg;
  const found = await store.findIds(arg, 11);
  if (found.length === 1) return found[0]!;
  if (found.length === 0) throw new BlanketError('NOT_FOUND', `no task ${arg}`, { hint: "list tasks with 'blanket ps'", details: { id: arg } });
  throw new BlanketError('AMBIGUOUS_ID', `${arg} matches several tasks: ${found.slice(0, 10).join(', ')}${found.length > 10 ? ', …' : ''}`, {
    hint: 'give more characters of the id',
    details: { id: arg, candidates: found.slice(0, 10) },
  });
}

export async function resolveIds(store: Store, args: string[]): Promise<string[]> {
  const out: string[] = [];
  for (const a of args) out.push(await resolveId(store, a));
  return [...new Set(out)];
}
