// Colour on or off, passed to components as a prop. Off for --no-color,
// NO_COLOR and TERM=dumb; meaning never rests on colour alone (glyphs and
// state names carry it too).
import type { State } from '../protocol/model.js';

export type Colour = 'red' | 'green' | 'yellow' | 'blue' | 'cyan' | 'magenta' | 'gray';

export interface Theme {
  color: boolean;
}

export function tint(theme: Theme, c: Colour | undefined): Colour | undefined {
  return theme.color ? c : undefined;
}

export function stateColour(s: State): Colour | undefined {
  switch (s) {
    case 'SUCCESS':
      return 'green';
    case 'ERROR':
    case 'TIMEDOUT':
    case 'LOST':
      return 'red';
    case 'RUNNING':
    case 'CLAIMED':
      return 'cyan';
    case 'STOPPED':
    case 'SKIPPED':
      return 'yellow';
    case 'WAITING':
      return undefined;
  }
}

/** Decide colour from the environment and the --color/--no-color flag. */
export function colourWanted(env: NodeJS.ProcessEnv, flag: boolean, isTTY: boolean): boolean {
  return flag && isTTY && !('NO_COLOR' in env && env.NO_COLOR !== '') && env.TERM !== 'dumb';
}
