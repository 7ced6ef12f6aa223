// The in-memory counters the store keeps beside its keys: tasks per state, and per type and state.
import { STATES, type State } from '../../protocol/model.js';

/** One write of a LevelDB batch. */
export type Op = { type: 'put'; key: string; value: unknown } | { type: 'del'; key: string };

export function zeroCounts(): Record<State, number> {
  return Object.fromEntries(STATES.map((s) => [s, 0])) as Record<State, number>;
}

/** Per-type, per-state counters (ct!TYPE!STATE), written in the same batch as the tasks they count. */
export class TypeCounts {
  private mem = new Map<string, number>();

  load(entries: Array<[string, unknown]>): void {
    this.mem.clear();
    for (const [k, v] of entries) this.mem.set(k.slice(3), v as number);
  }

  /** A change set: bump, then write ops() in the batch, then commit() once it is written. */
  begin(): { bump(type: string, state: State, by: number): void; ops(): Op[]; commit(): void } {
    const delta = new Map<string, number>();
    const next = (k: string) => (this.mem.get(k) ?? 0) + (delta.get(k) ?? 0);
    return {
      bump: (type, state, by) => delta.set(`${type}!${state}`, (delta.get(`${type}!${state}`) ?? 0) + by),
      ops: () => [...delta].filter(([, d]) => d !== 0).map(([k]): Op => (next(k) > 0 ? { type: 'put', key: `ct!${k}`, value: next(k) } : { type: 'del', key: `ct!${k}` })),
      commit: () => {
        for (const [k, d] of delta) {
          const n = (this.mem.get(k) ?? 0) + d;
          if (n > 0) this.mem.set(k, n);
          else this.mem.delete(k);
        }
      },
    };
  }

  snapshot(): Record<string, Partial<Record<State, number>>> {
    const out: Record<string, Partial<Record<State, number>>> = {};
    for (const [k, n] of this.mem) {
      const i = k.lastIndexOf('!');
      (out[k.slice(0, i)] ??= {})[k.slice(i + 1) as State] = n;
    }
    return out;
  }
}
