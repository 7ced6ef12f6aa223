// Pure glyph builders: sparklines and stacked bars.

const BARS = '▁▂▃▄▅▆▇█';

/**
 * The last `width` values as bar glyphs, right-aligned. `base` 'zero' scales
 * from 0 (rates); 'min' from the smallest value shown (memory, which moves little).
 */
export function sparkline(values: readonly number[], width: number, base: 'zero' | 'min' = 'zero'): string {
  if (width <= 0) return '';
  const v = values.slice(-width);
  if (v.length === 0) return ' '.repeat(width);
  const max = Math.max(...v);
  const min = base === 'min' ? Math.min(...v) : 0;
  const span = max - min;
  const glyphs = v.map((x) => (span <= 0 ? (max > 0 ? BARS[3] : BARS[0]) : BARS[Math.round(((x - min) / span) * (BARS.length - 1))]));
  return ' '.repeat(width - v.length) + glyphs.join('');
}

/**
 * Split `width` cells among `parts` in proportion; a non-zero part gets at
 * least one cell when there are cells enough, so a sliver stays visible.
 */
export function stack(parts: readonly number[], width: number): number[] {
  const total = parts.reduce((a, b) => a + b, 0);
  if (total === 0 || width <= 0) return parts.map(() => 0);
  const nonZero = parts.filter((p) => p > 0).length;
  const floor = nonZero <= width ? 1 : 0;
  const cells: number[] = parts.map((p) => (p > 0 ? floor : 0));
  let left = width - cells.reduce((a, b) => a + b, 0);
  const exact = parts.map((p) => (p / total) * left);
  for (let i = 0; i < parts.length; i++) cells[i]! += Math.floor(exact[i]!);
  left = width - cells.reduce((a, b) => a + b, 0);
  // Largest remainders take the cells rounding left over.
  const order = exact.map((e, i) => [e - Math.floor(e), i] as const).sort((a, b) => b[0] - a[0]);
  for (const [, i] of order) {
    if (left <= 0) break;
    if (parts[i]! > 0) {
      cells[i]!++;
      left--;
    }
  }
  return cells;
}
