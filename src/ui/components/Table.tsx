import { Box } from 'ink';
import { scrollStart } from '../layout.js';
import { fitColumns, type Column } from '../text.js';
import type { Theme } from '../theme.js';
import { marker, Row, type Cell } from './Row.js';
import { SectionTitle } from './SectionTitle.js';

export interface TableColumn extends Column {
  label: string;
  align?: 'left' | 'right';
}

export interface TableRow {
  key: string;
  cells: Record<string, Omit<Cell, 'width'>>;
}

export interface TableProps<T> {
  /** Bold, over the first `titleSpan` columns, e.g. "RUNNING 3". */
  title: string;
  /** Columns the title covers (their labels are not drawn). Default 2: id and type. */
  titleSpan?: number;
  /** Dim text after the title; replaces the labels when there are no rows. */
  note?: string;
  columns: TableColumn[];
  items: readonly T[];
  /** Cells for one item; called only for the rows on screen. */
  toRow: (item: T) => TableRow;
  /** Index of the selected row, -1 for none. */
  selected: number;
  /** Whether this table has the keyboard (else the selection is shown faintly). */
  focused: boolean;
  /** Rows below the title. */
  height: number;
  width: number;
  theme: Theme;
}

/** A titled table with a selection marker column; scrolls to keep the selection in view. */
export function Table<T>({ title, titleSpan = 2, note, columns, items, toRow, selected, focused, height, width, theme }: TableProps<T>) {
  const widths = fitColumns([{ key: '_mark', width: 1 }, ...columns], width);
  const kept = columns.filter((c) => widths.has(c.key));
  const titleWidth = 1 + kept.slice(0, titleSpan).reduce((n, c) => n + 1 + widths.get(c.key)!, 0);
  const labels = kept.slice(titleSpan).map((c) => ({ text: c.label, width: widths.get(c.key)!, ...(c.align ? { align: c.align } : {}) }));
  const start = scrollStart(selected, height, items.length);
  return (
    <Box flexDirection="column">
      <SectionTitle title={title} titleWidth={titleWidth} labels={items.length ? labels : []} {...(note !== undefined ? { note } : {})} />
      {items.slice(start, start + height).map((item, i) => {
        const r = toRow(item);
        const sel = start + i === selected;
        const cells: Cell[] = [
          marker(sel, focused),
          ...kept.map((c) => ({ ...(c.align ? { align: c.align } : {}), ...(r.cells[c.key] ?? { text: '' }), width: widths.get(c.key)! })),
        ];
        return <Row key={r.key} cells={cells} theme={theme} selected={sel && focused} />;
      })}
    </Box>
  );
}
