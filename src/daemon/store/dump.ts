// `db dump`: records as JSON, a page at a time, by kind or id range. A record
// that is not valid JSON is still listed (with its raw text), so a damaged
// store can be dumped too.
import type { ClassicLevel } from 'classic-level';
import type { DbDumpPage, DumpKind } from '../../protocol/db.js';
import { INDEX_PREFIXES } from './check.js';

type Db = ClassicLevel<string, unknown>;

export interface DumpQuery {
  kind: DumpKind;
  /** Task ids from `from` to `to` (a prefix: `to` includes every id starting with it). */
  from?: string;
  to?: string;
  /** The `next` of the previous page. */
  after?: string;
  limit: number;
}

function kindOf(key: string): DumpKind {
  const prefix = key.slice(0, Math.max(0, key.indexOf('!')));
  if (prefix === 't') return 'task';
  if (prefix === 'm' || prefix === 'c' || prefix === 'g') return 'meta';
  return INDEX_PREFIXES.includes(prefix) ? 'index' : 'meta';
}

export async function dumpPage(db: Db, q: DumpQuery): Promise<DbDumpPage> {
  const bounds: { gt?: string; gte?: string; lt?: string; lte?: string } = {};
  if (q.kind === 'task') {
    bounds.gte = `t!${q.from ?? ''}`;
    bounds.lte = q.to !== undefined ? `t!${q.to}\xff` : 't!\xff';
  }
  if (q.after !== undefined && (bounds.gte === undefined || q.after >= bounds.gte)) {
    delete bounds.gte;
    bounds.gt = q.after;
  }
  const records: unknown[] = [];
  let last: string | undefined;
  const it = db.iterator({ ...bounds, valueEncoding: 'utf8' });
  try {
    for await (const [key, raw] of it) {
      if (q.kind !== 'all' && kindOf(key) !== q.kind) continue;
      let value: unknown;
      let bad = false;
      try {
        value = JSON.parse(raw as string);
      } catch {
        bad = true;
      }
      if (q.kind === 'task') records.push(bad ? { key, error: 'not JSON', raw } : value);
      else records.push(bad ? { key, error: 'not JSON', raw } : { key, value });
      last = key;
      if (records.length >= q.limit) break;
    }
  } finally {
    await it.close();
  }
  return records.length >= q.limit && last !== undefined ? { records, next: last } : { records };
}
