// Fitting text into columns. Widths count code points; wide characters are
// rare in ids and labels, and every row is also truncated by Ink as a backstop.

export function width(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

/** Cut to at most `w` columns, marking a cut with "…". */
export function cut(s: string, w: number): string {
  if (w <= 0) return '';
  if (width(s) <= w) return s;
  return [...s].slice(0, Math.max(0, w - 1)).join('') + '…';
}

/** Exactly `w` columns: cut or padded on the right (or the left, for numbers). */
export function fit(s: string, w: number, align: 'left' | 'right' = 'left'): string {
  const c = cut(s, w);
  const pad = ' '.repeat(Math.max(0, w - width(c)));
  return align === 'left' ? c + pad : pad + c;
}

export interface Column {
  key: string;
  /** Columns wanted. The flexible column takes what is left, at least this. */
  width: number;
  flex?: boolean;
  /** Dropped first (highest first) when the row does not fit. */
  drop?: number;
}

/** Widths for the columns that fit in `total` (one space between columns); dropped columns are absent. */
export function fitColumns(cols: readonly Column[], total: number): Map<string, number> {
  let kept = cols.slice();
  const need = (cs: readonly Column[]) => cs.reduce((n, c) => n + c.width, 0) + Math.max(0, cs.length - 1);
  while (need(kept) > total) {
    const droppable = kept.filter((c) => c.drop !== undefined);
    if (droppable.length === 0) break;
    const worst = droppable.reduce((a, b) => (b.drop! > a.drop! ? b : a));
    kept = kept.filter((c) => c !== worst);
  }
  const out = new Map<string, number>();
  const spare = Math.max(0, total - need(kept));
  for (const c of kept) out.set(c.key, c.flex ? c.width + spare : c.width);
  // No flexible column kept: the last one absorbs the spare so rows span the width.
  if (!kept.some((c) => c.flex) && kept.length) {
    const last = kept[kept.length - 1]!;
    out.set(last.key, last.width + spare);
  }
  return out;
}

export function bytes(n: number): string {
  if (n < 1024) return `${n}B`;
  const units = ['K', 'M', 'G', 'T'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v < 10 ? v.toFixed(1) : Math.round(v)}${units[i]}`;
}
