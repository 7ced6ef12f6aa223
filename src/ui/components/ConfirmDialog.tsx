import { Text } from 'ink';
import type { Task } from '../../protocol/model.js';
import { cut } from '../text.js';
import { tint, type Theme } from '../theme.js';

export interface ConfirmDialogProps {
  id: string;
  /** The task, when still listed (its type and state are shown). */
  task?: Task;
  width: number;
  theme: Theme;
}

/** The footer asking before a kill. */
export function ConfirmDialog({ id, task, width, theme }: ConfirmDialogProps) {
  const what = task ? `${id} (${task.type}, ${task.state === 'WAITING' ? 'queued: it will be cancelled' : task.state})` : id;
  return (
    <Text wrap="truncate" bold color={tint(theme, 'red')}>
      {cut(`Kill ${what}? y to kill, n to keep`, width)}
    </Text>
  );
}
