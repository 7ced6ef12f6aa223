import { Text } from 'ink';
import { sparkline } from '../sparkline.js';
import { tint, type Colour, type Theme } from '../theme.js';

export interface SparklineProps {
  values: readonly number[];
  width: number;
  /** 'zero' scales from 0 (default); 'min' from the smallest value shown. */
  base?: 'zero' | 'min';
  color?: Colour;
  theme: Theme;
}

export function Sparkline({ values, width, base = 'zero', color, theme }: SparklineProps) {
  return <Text color={tint(theme, color)}>{sparkline(values, width, base)}</Text>;
}
