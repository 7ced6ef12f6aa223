import { Box, Text } from 'ink';
import { fit } from '../text.js';
import { SectionTitle } from './SectionTitle.js';

export interface HelpOverlayProps {
  /** Rows below the title. */
  height: number;
  width: number;
}

export const KEYS: ReadonlyArray<[string, string]> = [
  ['↑ ↓  j k', 'select a task (or a worker, after Tab)'],
  ['PgUp PgDn g G', 'move a page, to the first, to the last'],
  ['Tab', 'switch between tasks and workers'],
  ['Enter', 'details of the selected task'],
  ['l', 'its log, full screen (↑↓ scroll, G follow)'],
  ['K', 'kill it (asks first: y to confirm)'],
  ['r', 'rerun it as a new task'],
  ['p', 'pause or resume the selected worker'],
  ['/', 'filter by type, label or state (type:x label:y state:z)'],
  ['Esc', 'back; on the main view, clear the filter'],
  ['?', 'this help'],
  ['q  Ctrl-C', 'quit'],
];

/** The keys, one per line. Any key closes it. */
export function HelpOverlay({ height, width }: HelpOverlayProps) {
  const keyW = Math.max(...KEYS.map(([k]) => k.length));
  return (
    <Box flexDirection="column">
      <SectionTitle title="HELP" titleWidth={0} note="any key closes" />
      {KEYS.slice(0, height).map(([k, what]) => (
        <Text key={k} wrap="truncate">
          <Text bold>{fit(k, keyW)}</Text>
          {'  '}
          {fit(what, Math.max(0, width - keyW - 2))}
        </Text>
      ))}
    </Box>
  );
}
