import { Box, Text } from 'ink';
import type { Task } from '../../protocol/model.js';
import type { LogView } from '../log-lines.js';
import { cut } from '../text.js';
import { tint, type Theme } from '../theme.js';
import { SectionTitle } from './SectionTitle.js';

export interface LogPaneProps {
  /** The followed output; undefined before any task is selected. */
  log?: LogView;
  /** The selected task. */
  task?: Task;
  /** Rows for output, below the title. */
  height: number;
  width: number;
  /** Lines scrolled back from the end (0 follows the output). */
  scroll: number;
  /** Full-screen (the `l` view) rather than the pane under the tables. */
  full: boolean;
  theme: Theme;
}

/** The greatest useful scroll for `lines` shown in `height` rows. */
export function logScrollMax(log: LogView | undefined, height: number): number {
  return Math.max(0, (log?.lines.length ?? 0) - height);
}

/** The selected task's output, following its end. stderr lines are red. */
export function LogPane({ log, task, height, width, scroll, full, theme }: LogPaneProps) {
  const lines = task && log?.id === task.id ? log.lines : [];
  const back = Math.min(scroll, logScrollMax(log, height));
  const end = lines.length - back;
  const shown = lines.slice(Math.max(0, end - height), end);
  const title = task ? `LOG ${task.id} ${task.type} ${task.state}` : 'LOG';
  const note = !task ? 'select a task to follow its output' : full ? (back ? `${back} lines back · G follows · Esc back` : 'following · ↑↓ scroll · Esc back') : 'l full screen';
  let empty: string | undefined;
  if (task && shown.length === 0) {
    if (!log || log.id !== task.id || log.loading) empty = 'loading…';
    else if (log.error) empty = log.error;
    else empty = task.state === 'WAITING' ? 'not started yet' : 'no output yet';
  }
  return (
    <Box flexDirection="column">
      <SectionTitle title={title} titleWidth={0} note={note} />
      {empty && height > 0 ? (
        <Text dimColor wrap="truncate">
          {cut(empty, width)}
        </Text>
      ) : null}
      {shown.map((l, i) => (
        <Text key={end - shown.length + i} wrap="truncate" color={tint(theme, l.stream === 'stderr' ? 'red' : undefined)}>
          {cut(l.text, width) || ' '}
        </Text>
      ))}
    </Box>
  );
}
