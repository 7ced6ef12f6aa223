import { Text } from 'ink';
import { fit } from '../text.js';

export interface SectionTitleProps {
  /** Bold name and count, e.g. "RUNNING 3". */
  title: string;
  /** Width the title takes before the column labels. */
  titleWidth: number;
  /** Column labels after the title, already spaced to their columns. */
  labels?: Array<{ text: string; width: number; align?: 'left' | 'right' }>;
  /** Dim text after the labels (or the title), e.g. a hint. */
  note?: string;
}

export function SectionTitle({ title, titleWidth, labels = [], note }: SectionTitleProps) {
  return (
    <Text wrap="truncate">
      <Text bold>{labels.length ? fit(title, titleWidth) : title}</Text>
      <Text dimColor>
        {labels.map((l) => ' ' + fit(l.text, l.width, l.align)).join('')}
        {note ? `  ${note}` : ''}
      </Text>
    </Text>
  );
}
