// At most one call per `ms`: the first runs at once, later ones fold into
// one trailing call. Timers come from the injected clock.
import type { Clock } from './data.js';

export interface Throttled {
  (): void;
  /** Run a pending call now. */
  flush(): void;
  cancel(): void;
}

export function throttle(fn: () => void, ms: number, clock: Clock): Throttled {
  let last = -Infinity;
  let timer: unknown;
  const run = () => {
    timer = undefined;
    last = clock.now();
    fn();
  };
  const call = (() => {
    if (timer !== undefined) return;
    const wait = last + ms - clock.now();
    if (wait <= 0) run();
    else timer = clock.setTimeout(run, wait);
  }) as Throttled;
  call.flush = () => {
    if (timer === undefined) return;
    clock.clearTimeout(timer);
    run();
  };
  call.cancel = () => {
    if (timer !== undefined) clock.clearTimeout(timer);
    timer = undefined;
  };
  return call;
}
