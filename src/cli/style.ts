// Minimal terminal styling; off for pipes, NO_COLOR, --no-color and TERM=dumb.

let enabled = process.stdout.isTTY === true && !('NO_COLOR' in process.env) && process.env.TERM !== 'dumb' && !process.argv.includes('--no-color');

export function setColor(on: boolean): void {
  enabled = on;
}

const wrap = (open: number, close: number) => (s: string) => (enabled ? `\x1b[${open}m${s}\x1b[${close}m` : s);
export const bold = wrap(1, 22);
export const dim = wrap(2, 22);
export const red = wrap(31, 39);
export const green = wrap(32, 39);
export const yellow = wrap(33, 39);
export const blue = wrap(34, 39);
export const magenta = wrap(35, 39);
export const cyan = wrap(36, 39);

/** Visible width of a string, ignoring colour codes. */
export function width(s: string): number {
  // eslint-disable-next-line no-control-regex
  return [...s.replace(/\x1b\[[0-9;]*m/g, '')].length;
}

export function table(rows: string[][], opts: { maxWidth?: number } = {}): string {
  if (rows.length === 0) return '';
  const cols = Math.max(...rows.map((r) => r.length));
  const widths = Array.from({ length: cols }, (_, i) => Math.max(...rows.map((r) => width(r[i] ?? ''))));
  return rows
    .map((r) => {
      const line = r.map((c, i) => (i === r.length - 1 ? c : c + ' '.repeat(widths[i]! - width(c)))).join('  ');
      return opts.maxWidth && width(line) > opts.maxWidth ? truncate(line, opts.maxWidth) : line;
    })
    .join('\n');
}

function truncate(s: string, max: number): string {
  // eslint-disable-next-line no-control-regex
  const plain = s.replace(/\x1b\[[0-9;]*m/g, '');
  return [...plain].slice(0, max - 1).join('') + '…';
}
