// The PostgreSQL store's in-memory counters (per state, per type and state), exact with many
// writers. They are a base read in one statement with its snapshot, plus every change (this
// daemon's commits and other daemons' notifications, each tagged with its transaction id) that
// the snapshot did not see. Changes are kept until every later snapshot must see them, so a
// re-read that overlaps commits neither loses nor counts twice.
import type { State } from '../../protocol/model.js';
import { TypeCounts, zeroCounts } from './level-counts.js';

/** A change to the counters: tasks of a type entering (+1) or leaving (-1) a state. */
export type CountChange = [type: string, state: State, by: number];

interface Snapshot {
  xmin: bigint;
  xmax: bigint;
  running: Set<bigint>;
}

/** Parse pg_current_snapshot()'s text, "xmin:xmax:xip1,xip2". */
export function parseSnapshot(text: string): Snapshot {
  const [xmin, xmax, xip] = text.split(':');
  return { xmin: BigInt(xmin!), xmax: BigInt(xmax!), running: new Set((xip ?? '').split(',').filter(Boolean).map(BigInt)) };
}

/** Whether the snapshot sees the committed transaction `xid`. */
function sees(s: Snapshot, xid: bigint): boolean {
  return xid < s.xmin || (xid < s.xmax && !s.running.has(xid));
}

export class PgMirror {
  private counts = zeroCounts();
  private readonly types = new TypeCounts();
  private snap: Snapshot | undefined;
  private recent: Array<{ xid: bigint; changes: CountChange[] }> = [];

  /** A base read at `snapshot`; the changes it did not see are applied again. */
  load(rows: Array<{ type: string; state: State; n: number }>, snapshot: string): void {
    this.counts = zeroCounts();
    for (const r of rows) this.counts[r.state] += r.n;
    this.types.load(rows.map((r) => [`ct!${r.type}!${r.state}`, r.n]));
    const s = (this.snap = parseSnapshot(snapshot));
    // Every snapshot from now on sees what this one sees below its xmin.
    this.recent = this.recent.filter((c) => c.xid >= s.xmin);
    for (const c of this.recent) if (!sees(s, c.xid)) this.bump(c.changes);
  }

  /** A committed transaction's changes (this daemon's or another's), counted unless the base already has them. */
  apply(xid: string | undefined, changes: CountChange[]): void {
    if (changes.length === 0) return;
    if (xid === undefined) return this.bump(changes);
    const x = BigInt(xid);
    if (this.snap && sees(this.snap, x)) return;
    this.recent.push({ xid: x, changes });
    this.bump(changes);
  }

  private bump(changes: CountChange[]): void {
    const byType = this.types.begin();
    for (const [type, state, by] of changes) {
      this.counts[state] += by;
      byType.bump(type, state, by);
    }
    byType.commit();
  }

  byState(): Record<State, number> {
    return { ...this.counts };
  }

  byType(): Record<string, Partial<Record<State, number>>> {
    return this.types.snapshot();
  }
}
