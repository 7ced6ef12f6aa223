import { Text } from 'ink';
import type { Task } from '../../protocol/model.js';
import type { Notice } from '../state.js';
import { cut } from '../text.js';
import { tint, type Theme } from '../theme.js';
import type { UiState } from '../ui-state.js';
import { ConfirmDialog } from './ConfirmDialog.js';
import { FilterPrompt } from './FilterPrompt.js';

export interface FooterProps {
  ui: UiState;
  notice?: Notice;
  /** The task a confirm is about, when listed. */
  confirmTask?: Task;
  width: number;
  theme: Theme;
}

const HINTS: Record<UiState['mode'], string> = {
  main: '↑↓ select  ⏎ details  l log  K kill  r rerun  p pause  / filter  ? help  q quit',
  details: '↑↓ scroll  l log  Esc back',
  log: '↑↓ scroll  G follow  ⏎ details  Esc back',
  help: 'any key closes',
  filter: '',
  confirm: '',
};

/** One line: the filter prompt, a kill confirmation, the latest notice, or the keys. */
export function Footer({ ui, notice, confirmTask, width, theme }: FooterProps) {
  if (ui.mode === 'filter') return <FilterPrompt draft={ui.draft} width={width} />;
  if (ui.mode === 'confirm' && ui.confirm) return <ConfirmDialog id={ui.confirm.id} {...(confirmTask ? { task: confirmTask } : {})} width={width} theme={theme} />;
  if (notice) {
    return (
      <Text wrap="truncate" color={tint(theme, notice.level === 'error' ? 'red' : 'green')}>
        {cut(notice.text, width)}
      </Text>
    );
  }
  const filter = ui.filter && ui.mode === 'main' ? `filter: ${ui.filter} (Esc clears)  ` : '';
  const focus = ui.mode === 'main' && ui.focus === 'workers' ? 'Tab tasks  ' : '';
  return (
    <Text wrap="truncate">
      <Text color={tint(theme, 'yellow')}>{cut(filter, width)}</Text>
      <Text dimColor>{cut(focus + HINTS[ui.mode], Math.max(0, width - [...filter].length))}</Text>
    </Text>
  );
}
