// The root of `blanket top`: hooks own the data, the size and the keys;
// everything drawn comes from <Dashboard>, which takes props only.
import { useApp, useInput } from 'ink';
import { useEffect, useMemo, useRef, useState } from 'react';
import { Dashboard, bodyRows } from './components/Dashboard.js';
import { detailsLines } from './components/DetailsView.js';
import { logScrollMax } from './components/LogPane.js';
import type { Clock, Connector } from './data.js';
import type { DashboardFeed } from './feed.js';
import { handleKey, splitInput, type Effect } from './keys.js';
import type { Scope } from './state.js';
import type { Theme } from './theme.js';
import { initialUi, type UiState } from './ui-state.js';
import { useDashboard } from './use-dashboard.js';
import { useTerminalSize } from './use-terminal-size.js';
import { buildView } from './view.js';

export interface TopProps {
  connect: Connector;
  theme: Theme;
  /** Fetch only these tasks (--type, --label). */
  scope?: Scope;
  /** The `/` filter to start with. */
  filter?: string;
  clock?: Clock;
  /** Renders per second at most (default 10). */
  fps?: number;
}

function run(effect: Effect, feed: DashboardFeed, exit: () => void): void {
  switch (effect.type) {
    case 'quit':
      exit();
      return;
    case 'details':
      feed.openDetails(effect.id);
      return;
    case 'closeDetails':
      feed.closeDetails();
      return;
    case 'kill':
      void feed.kill(effect.id);
      return;
    case 'rerun':
      void feed.rerun(effect.id);
      return;
    case 'toggleWorker':
      void feed.toggleWorker(effect.worker);
      return;
    case 'notice':
      feed.say(effect.text);
      return;
  }
}

export function Top({ connect, theme, scope, filter, clock, fps }: TopProps) {
  const { state, feed } = useDashboard({ connect, ...(scope ? { scope } : {}), ...(clock ? { clock } : {}), ...(fps ? { fps } : {}) });
  const { cols, rows } = useTerminalSize();
  const { exit } = useApp();
  const [ui, setUi] = useState<UiState>(() => initialUi(filter ?? ''));
  const uiRef = useRef(ui);
  const view = useMemo(() => buildView(state, ui), [state, ui]);
  const selectedId = view.selectedTask?.id;
  useEffect(() => feed.follow(selectedId), [feed, selectedId]);

  const inner = Math.max(0, bodyRows(rows) - 1);
  // Scrolled back in the log, new output must not move what is being read.
  const logTotal = useRef({ id: state.log?.id, total: state.log?.total ?? 0 });
  useEffect(() => {
    const prev = logTotal.current;
    logTotal.current = { id: state.log?.id, total: state.log?.total ?? 0 };
    const cur = uiRef.current;
    if (cur.mode !== 'log' || cur.scroll === 0 || prev.id !== state.log?.id) return;
    const grown = (state.log?.total ?? 0) - prev.total;
    if (grown <= 0) return;
    const next = { ...cur, scroll: Math.min(cur.scroll + grown, logScrollMax(state.log, inner)) };
    uiRef.current = next;
    setUi(next);
  }, [state.log, inner]);
  useInput((input, key) => {
    for (const [ch, k] of splitInput(input, key)) {
      // Keys can come faster than renders: read the screen as the last key left it.
      const cur = uiRef.current;
      const v = cur === ui ? view : buildView(state, cur);
      const scrollMax = cur.mode === 'details' ? Math.max(0, detailsLines(state.details, state.now).length - inner) : logScrollMax(state.log, inner);
      const r = handleKey(cur, ch, k, {
        taskIds: v.taskIds,
        workerIds: v.workers.map((w) => w.id),
        ...(v.selectedTask ? { selectedTask: v.selectedTask } : {}),
        ...(v.selectedWorker ? { selectedWorker: v.selectedWorker } : {}),
        ...(state.workers ? { workers: state.workers } : {}),
        page: Math.max(1, Math.floor(inner / 2)),
        scrollMax,
      });
      uiRef.current = r.ui;
      setUi(r.ui);
      for (const e of r.effects) run(e, feed, exit);
    }
  });

  return <Dashboard state={state} ui={ui} view={view} cols={cols} rows={rows} theme={theme} />;
}
