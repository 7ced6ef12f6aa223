// Rows for each section of the main screen, from the terminal's height.
// Pure, so every size can be tested without a terminal.

export const SECTIONS = ['types', 'running', 'queued', 'finished', 'workers', 'log'] as const;
export type Section = (typeof SECTIONS)[number];

/** Rows above and below the sections: three header lines, one footer. */
export const HEADER_ROWS = 3;
export const FOOTER_ROWS = 1;
/** Smaller than this and top asks for a bigger terminal. */
export const MIN_COLS = 40;
export const MIN_ROWS = 10;

/** Who gets a row first when rows are short. */
const PRIORITY: readonly Section[] = ['running', 'queued', 'finished', 'workers', 'log', 'types'];
/** Who goes entirely (title too) when even the titles do not fit. */
const DROP: readonly Section[] = ['types', 'log', 'workers', 'finished', 'queued', 'running'];

/**
 * Rows of content per section (its title line not counted); a section absent
 * from the result is not shown. `want` is how many rows each could fill;
 * rows left when every want is met go to the log.
 */
export function allocate(body: number, want: Record<Section, number>): Partial<Record<Section, number>> {
  let shown = SECTIONS.filter((s) => s !== 'types' || want.types > 0);
  for (const s of DROP) {
    if (shown.length <= body) break;
    shown = shown.filter((x) => x !== s);
  }
  const rows = Object.fromEntries(shown.map((s) => [s, 0])) as Partial<Record<Section, number>>;
  let left = Math.max(0, body - shown.length);
  const order = PRIORITY.filter((s) => shown.includes(s));
  for (let progress = true; left > 0 && progress;) {
    progress = false;
    for (const s of order) {
      if (left === 0) break;
      if (rows[s]! < want[s]) {
        rows[s]!++;
        left--;
        progress = true;
      }
    }
  }
  if (left > 0 && rows.log !== undefined) rows.log += left;
  return rows;
}

/** The first row to show so that `selected` is visible in `height` rows. */
export function scrollStart(selected: number, height: number, total: number): number {
  if (height <= 0 || total <= height) return 0;
  if (selected < height) return 0;
  return Math.min(selected - height + 1, total - height);
}
