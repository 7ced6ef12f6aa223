import { Box, Text } from 'ink';
import { renderShow } from '../../cli/render/task.js';
import type { Details } from '../state.js';
import { SectionTitle } from './SectionTitle.js';

export interface DetailsViewProps {
  details?: Details;
  /** Rows below the title. */
  height: number;
  width: number;
  /** Lines scrolled from the top. */
  scroll: number;
  now: number;
}

/** The lines `blanket show` prints, or a line saying why there are none yet. */
export function detailsLines(details: Details | undefined, now: number): string[] {
  if (!details) return [];
  if (details.error) return [`cannot show ${details.id}: ${details.error}`];
  if (!details.show) return ['loading…'];
  return renderShow(details.show, now).split('\n');
}

/** Everything about one task, as `blanket show` prints it, scrollable. */
export function DetailsView({ details, height, scroll, now }: DetailsViewProps) {
  const lines = detailsLines(details, now);
  const top = Math.max(0, Math.min(scroll, lines.length - height));
  return (
    <Box flexDirection="column">
      <SectionTitle title={`DETAILS ${details?.id ?? ''}`.trim()} titleWidth={0} note="↑↓ scroll · l log · Esc back" />
      {lines.slice(top, top + height).map((l, i) => (
        <Text key={top + i} wrap="truncate">
          {l || ' '}
        </Text>
      ))}
    </Box>
  );
}
