import { Text } from 'ink';
import { cut, fit, width as textWidth } from '../text.js';
import { tint, type Colour, type Theme } from '../theme.js';

export interface Segment {
  text: string;
  color?: Colour;
  dim?: boolean;
  bold?: boolean;
}

export interface Cell extends Segment {
  width: number;
  align?: 'left' | 'right';
  /** Several styled pieces instead of `text` (cut and padded together to `width`). */
  segments?: Segment[];
}

export interface RowProps {
  cells: Cell[];
  theme: Theme;
  /** Draw the row highlighted (default false). */
  selected?: boolean;
}

/** Fit styled pieces into `w` columns, padding the end. */
function fitSegments(segs: Segment[], w: number): Segment[] {
  const out: Segment[] = [];
  let left = w;
  for (const s of segs) {
    if (left <= 0) break;
    const text = textWidth(s.text) > left ? cut(s.text, left) : s.text;
    out.push({ ...s, text });
    left -= textWidth(text);
  }
  if (left > 0) out.push({ text: ' '.repeat(left) });
  return out;
}

/** One line of cells, each padded or cut to its width, one space apart. */
export function Row({ cells, theme, selected = false }: RowProps) {
  const pieces: Segment[] = [];
  cells.forEach((c, i) => {
    if (i > 0) pieces.push({ text: ' ' });
    if (c.segments) pieces.push(...fitSegments(c.segments, c.width));
    else pieces.push({ ...c, text: fit(c.text, c.width, c.align) });
  });
  return (
    <Text wrap="truncate" inverse={selected}>
      {pieces.map((p, i) => (
        <Text key={i} color={tint(theme, p.color)} dimColor={p.dim === true} bold={p.bold === true}>
          {p.text}
        </Text>
      ))}
    </Text>
  );
}

/** The selection marker column. */
export function marker(selected: boolean, focused: boolean): Cell {
  return { text: selected ? (focused ? '›' : '·') : ' ', width: 1, bold: true };
}

/** " ██████░░░░  60%" as pieces; blank when the task reports no progress. */
export function progressSegments(percent: number | undefined, width: number): Segment[] {
  if (percent === undefined) return [];
  const p = Math.min(100, Math.max(0, percent));
  const barWidth = Math.max(1, width - 5);
  const filled = Math.round((p / 100) * barWidth);
  return [{ text: '█'.repeat(filled), color: 'green' }, { text: '░'.repeat(barWidth - filled), dim: true }, { text: `${Math.round(p)}%`.padStart(5) }];
}
