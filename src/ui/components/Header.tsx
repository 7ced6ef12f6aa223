import { Box, Text } from 'ink';
import { STATES, type State } from '../../protocol/model.js';
import { elapsed } from '../format.js';
import { lastRate } from '../rate.js';
import type { DashboardState } from '../state.js';
import { bytes, cut, width as textWidth } from '../text.js';
import { stateColour, tint, type Theme } from '../theme.js';
import { Sparkline } from './Sparkline.js';

export interface HeaderProps {
  state: DashboardState;
  /** Slots in use and in all (total unknown without workers). */
  slots: { used: number; total?: number };
  width: number;
  theme: Theme;
}

const SHORT: Record<State, string> = {
  WAITING: 'waiting',
  CLAIMED: 'claimed',
  RUNNING: 'running',
  SUCCESS: 'ok',
  ERROR: 'error',
  TIMEDOUT: 'timedout',
  STOPPED: 'stopped',
  LOST: 'lost',
  SKIPPED: 'skipped',
};
/** Always shown, even at 0. */
const ALWAYS: readonly State[] = ['WAITING', 'RUNNING', 'SUCCESS', 'ERROR'];

function connectionText(s: DashboardState): string {
  if (s.connection === 'live') return '● live';
  if (s.connection === 'connecting') return '○ connecting…';
  const retry = s.retryAt !== undefined ? Math.max(0, Math.ceil((s.retryAt - s.now) / 1000)) : undefined;
  return `○ reconnecting…${retry ? ` ${retry}s` : ''}${s.lastError ? ` (${s.lastError})` : ''}`;
}

/** Three lines: daemon and workers; counts by state; finished/s and memory sparklines. */
export function Header({ state, slots, width, theme }: HeaderProps) {
  const st = state.status;
  const workers = state.workers?.filter((w) => w.state !== 'stopped');
  const paused = workers?.filter((w) => w.state === 'paused').length ?? 0;
  const left = [
    `blanket ${st?.version ?? ''}`.trim(),
    st ? `up ${elapsed(state.now - st.startedAt).replace(/\.\d+s$/, 's')}` : undefined,
    st ? `pid ${st.pid}` : undefined,
    workers ? `workers ${workers.length}${paused ? ` (${paused} paused)` : ''}` : undefined,
    `slots ${slots.used}${slots.total !== undefined ? `/${slots.total}` : ''}`,
  ]
    .filter(Boolean)
    .join(' · ');
  const conn = connectionText(state);
  // While reconnecting, why matters more than the daemon's details.
  const connW = Math.min(textWidth(conn), Math.max(10, state.connection === 'live' ? width - textWidth(left) - 1 : width - 16));
  const leftW = Math.max(0, width - connW - 1);

  const counts = STATES.filter((s) => ALWAYS.includes(s) || state.counts[s] > 0);

  const rateNow = lastRate(state.rate);
  const rss = state.status?.rss;
  const rateLabel = `done/s ${String(rateNow).padStart(3)} `;
  const memLabel = `mem ${rss !== undefined ? bytes(rss).padStart(5) : '    -'} `;
  const cpu = state.status?.cpu !== undefined ? ` cpu ${elapsed(state.status.cpu)}` : '';
  const sparkW = Math.max(0, Math.floor((width - rateLabel.length - memLabel.length - cpu.length - 3) / 2));

  return (
    <Box flexDirection="column">
      <Text wrap="truncate">
        <Text bold>{cut(left, leftW).padEnd(leftW)}</Text> <Text color={tint(theme, state.connection === 'live' ? 'green' : 'yellow')}>{cut(conn, connW)}</Text>
      </Text>
      <Text wrap="truncate">
        {counts.map((s, i) => (
          <Text key={s}>
            {i > 0 ? '  ' : ''}
            <Text color={tint(theme, state.counts[s] > 0 ? stateColour(s) : undefined)} dimColor={state.counts[s] === 0}>
              {`${SHORT[s]} ${state.counts[s]}`}
            </Text>
          </Text>
        ))}
      </Text>
      <Text wrap="truncate">
        <Text dimColor>{rateLabel}</Text>
        <Sparkline values={state.rate.buckets.slice(0, -1)} width={sparkW} color="green" theme={theme} />
        {'   '}
        <Text dimColor>{memLabel}</Text>
        <Sparkline values={state.memory} width={sparkW} base="min" color="magenta" theme={theme} />
        <Text dimColor>{cpu}</Text>
      </Text>
    </Box>
  );
}
