import { Text } from 'ink';
import { cut } from '../text.js';

export interface FilterPromptProps {
  /** What has been typed so far. */
  draft: string;
  width: number;
}

/** The footer while typing a filter. */
export function FilterPrompt({ draft, width }: FilterPromptProps) {
  const hint = '  Enter apply · Esc cancel';
  const room = Math.max(1, width - 2 - 1 - hint.length);
  // Keep the end of a long draft visible: that is where the cursor is.
  const shown = [...draft].length > room ? '…' + [...draft].slice(-(room - 1)).join('') : draft;
  return (
    <Text wrap="truncate">
      <Text bold>/ </Text>
      {shown}
      <Text inverse> </Text>
      <Text dimColor>{cut(hint, Math.max(0, width - 3 - [...shown].length))}</Text>
    </Text>
  );
}
