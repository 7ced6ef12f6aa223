// Statements sent as one simple-protocol query (several, `;`-separated, in one round trip):
// PostgreSQL takes parameters only one statement at a time, so values are written into the
// text as literals here. Each statement of such a query still gets a snapshot of its own.
import type pg from 'pg';

/**
 * A string as a literal, as pg.escapeLiteral writes it (`'…'` with quotes doubled; ` E'…'` with
 * backslashes doubled too when there are any), but by whole-string replaces rather than a loop
 * that appends each character: a task's JSON goes through here at every write.
 */
export function quote(s: string): string {
  const q = s.includes("'") ? s.replaceAll("'", "''") : s;
  return s.includes('\\') ? ` E'${q.replaceAll('\\', '\\\\')}'` : `'${q}'`;
}

/** A value as an SQL literal: strings (also JSON) and string arrays quoted, numbers, booleans, null. */
export function lit(v: unknown): string {
  if (v === null || v === undefined) return 'NULL';
  if (typeof v === 'string') return quote(v);
  if (typeof v === 'boolean') return v ? 'TRUE' : 'FALSE';
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new Error(`not a finite number: ${v}`);
    return v < 0 ? `(${v})` : String(v);
  }
  if (Array.isArray(v)) {
    const items = v.map((x) => {
      if (typeof x !== 'string') throw new Error('only arrays of strings are written as literals');
      return `"${x.replace(/["\\]/g, (m) => `\\${m}`)}"`;
    });
    return quote(`{${items.join(',')}}`);
  }
  throw new Error(`no literal for a ${typeof v}`);
}

/** `text` with each `$n` replaced by the literal of values[n-1] (the store's own statements only: no `$` in their string constants). */
export function inline(text: string, values: readonly unknown[] = []): string {
  return text.replace(/\$(\d+)/g, (_, n: string) => {
    const i = Number(n) - 1;
    if (i < 0 || i >= values.length) throw new Error(`no value for $${n}`);
    return lit(values[i]);
  });
}

/** Several statements, each with its values, as one query text. */
export function joined(statements: ReadonlyArray<readonly [text: string, values?: readonly unknown[]]>): string {
  return statements.map(([text, values]) => inline(text, values)).join(';\n');
}

/** The results of a multi-statement query, one per statement (pg returns one result, not an array, for a single statement). */
export function results(r: pg.QueryResult | pg.QueryResult[]): pg.QueryResult[] {
  return Array.isArray(r) ? r : [r];
}
