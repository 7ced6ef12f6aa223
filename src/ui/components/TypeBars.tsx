import { Box, Text } from 'ink';
import type { State } from '../../protocol/model.js';
import { stack } from '../sparkline.js';
import type { Counts } from '../state.js';
import { fit } from '../text.js';
import { tint, type Colour, type Theme } from '../theme.js';
import { SectionTitle } from './SectionTitle.js';

export interface TypeBarsProps {
  byType: Record<string, Counts>;
  /** False when the counts were estimated from the loaded tasks only. */
  exact: boolean;
  /** Rows for types, below the title. */
  height: number;
  width: number;
  theme: Theme;
}

/** The four parts of a bar, with the states each gathers, a glyph (so no colour is needed) and a colour. */
export const PARTS: ReadonlyArray<{ name: string; states: readonly State[]; glyph: string; color?: Colour }> = [
  { name: 'waiting', states: ['WAITING'], glyph: '░' },
  { name: 'running', states: ['CLAIMED', 'RUNNING'], glyph: '▓', color: 'cyan' },
  { name: 'succeeded', states: ['SUCCESS'], glyph: '█', color: 'green' },
  { name: 'failed', states: ['ERROR', 'TIMEDOUT', 'LOST', 'STOPPED', 'SKIPPED'], glyph: '╳', color: 'red' },
];

export function typeParts(c: Counts): number[] {
  return PARTS.map((p) => p.states.reduce((n, s) => n + c[s], 0));
}

/** Busiest types first: most waiting and running, then most in all. */
export function rankTypes(byType: Record<string, Counts>): Array<[string, number[]]> {
  return Object.entries(byType)
    .map(([name, c]) => [name, typeParts(c)] as [string, number[]])
    .filter(([, p]) => p.some((n) => n > 0))
    .sort(([an, a], [bn, b]) => b[0]! + b[1]! - (a[0]! + a[1]!) || b.reduce((x, y) => x + y) - a.reduce((x, y) => x + y) || an.localeCompare(bn));
}

/** Per task type, a stacked bar of waiting / running / succeeded / failed. */
export function TypeBars({ byType, exact, height, width, theme }: TypeBarsProps) {
  const ranked = rankTypes(byType);
  const shown = ranked.slice(0, height);
  const nameW = Math.min(14, Math.max(4, ...shown.map(([n]) => [...n].length)));
  const countsText = (p: number[]) => p.map((n, i) => `${PARTS[i]!.glyph}${n}`).join(' ');
  const countsW = Math.min(28, Math.max(0, ...shown.map(([, p]) => countsText(p).length)));
  const barW = Math.max(4, width - nameW - countsW - 2);
  const legend = PARTS.map((p) => `${p.glyph} ${p.name}`).join(' ');
  return (
    <Box flexDirection="column">
      <SectionTitle title={`TYPES ${ranked.length}`} titleWidth={0} note={`${legend}${exact ? '' : ' (loaded tasks)'}`} />
      {shown.map(([name, parts]) => {
        const cells = stack(parts, barW);
        return (
          <Text key={name} wrap="truncate">
            <Text color={tint(theme, 'cyan')}>{fit(name, nameW)}</Text>{' '}
            {cells.map((n, i) => (
              <Text key={i} color={tint(theme, PARTS[i]!.color)} dimColor={i === 0}>
                {PARTS[i]!.glyph.repeat(n)}
              </Text>
            ))}
            {' '.repeat(Math.max(0, barW - cells.reduce((a, b) => a + b, 0)))} <Text dimColor>{fit(countsText(parts), countsW, 'right')}</Text>
          </Text>
        );
      })}
    </Box>
  );
}
