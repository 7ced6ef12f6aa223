// Task ids as users type them: a whole id or a unique prefix.
import { BlanketError } from '../protocol/errors.js';
import type { Store } from './store/store.js';

/** Where ids are looked up: the store, and the archive for a better message when a task is not there. */
export interface IdSources {
  store: Store;
  archive?: { find(arg: string): Promise<{ record: { id: string } }> };
}

export async function resolveId({ store, archive }: IdSources, arg: string): Promise<string> {
  if (await store.get(arg)) return arg;
  const found = await store.findIds(arg, 11);
  if (found.length === 1) return found[0]!;
  if (found.length === 0) {
    const archived = await archive?.find(arg).then(
      (e) => e.record.id,
      () => undefined,
    );
    if (archived !== undefined)
      throw new BlanketError('NOT_FOUND', `task ${archived} is in the archive (blanket rm archived it), not in the queue`, {
        hint: `see it with 'blanket archive show ${archived}', or bring it back with 'blanket archive restore ${archived}' (or 'blanket undo')`,
        details: { id: arg, archived },
      });
    throw new BlanketError('NOT_FOUND', `no task ${arg}`, { hint: "list tasks with 'blanket ps'", details: { id: arg } });
  }
  throw new BlanketError('AMBIGUOUS_ID', `${arg} matches several tasks: ${found.slice(0, 10).join(', ')}${found.length > 10 ? ', …' : ''}`, {
    hint: 'give more characters of the id',
    details: { id: arg, candidates: found.slice(0, 10) },
  });
}

export async function resolveIds(sources: IdSources, args: string[]): Promise<string[]> {
  const out: string[] = [];
  for (const a of args) out.push(await resolveId(sources, a));
  return [...new Set(out)];
}
