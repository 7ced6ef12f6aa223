import { Box, Text } from 'ink';
import { allocate, FOOTER_ROWS, HEADER_ROWS, MIN_COLS, MIN_ROWS } from '../layout.js';
import type { DashboardState } from '../state.js';
import type { Theme } from '../theme.js';
import type { UiState } from '../ui-state.js';
import type { View } from '../view.js';
import { DetailsView } from './DetailsView.js';
import { FinishedTable } from './FinishedTable.js';
import { Footer } from './Footer.js';
import { Header } from './Header.js';
import { HelpOverlay } from './HelpOverlay.js';
import { LogPane } from './LogPane.js';
import { QueueTable } from './QueueTable.js';
import { RunningTable } from './RunningTable.js';
import { TypeBars, rankTypes } from './TypeBars.js';
import { WorkersTable } from './WorkersTable.js';

export interface DashboardProps {
  state: DashboardState;
  ui: UiState;
  view: View;
  cols: number;
  rows: number;
  theme: Theme;
}

/** Lines drawn: one less than the terminal, so Ink never scrolls or clears it. */
export function drawnRows(rows: number): number {
  return Math.max(1, rows - 1);
}

/** Rows between the header and the footer. */
export function bodyRows(rows: number): number {
  return Math.max(0, drawnRows(rows) - HEADER_ROWS - FOOTER_ROWS);
}

/** The whole screen, from data and choices only. */
export function Dashboard({ state, ui, view, cols, rows, theme }: DashboardProps) {
  if (cols < MIN_COLS || rows < MIN_ROWS) {
    return <Text wrap="truncate">{`top needs ${MIN_COLS}×${MIN_ROWS}, has ${cols}×${rows}`.slice(0, cols)}</Text>;
  }
  const body = bodyRows(rows);
  const inner = Math.max(0, body - 1); // full-screen views have a title line
  let content;
  if (ui.mode === 'help') content = <HelpOverlay height={inner} width={cols} />;
  else if (ui.mode === 'details') content = <DetailsView {...(state.details ? { details: state.details } : {})} height={inner} width={cols} scroll={ui.scroll} now={state.now} />;
  else if (ui.mode === 'log')
    content = (
      <LogPane
        {...(state.log ? { log: state.log } : {})}
        {...(view.selectedTask ? { task: view.selectedTask } : {})}
        height={inner}
        width={cols}
        scroll={ui.scroll}
        full
        theme={theme}
      />
    );
  else content = <MainSections state={state} ui={ui} view={view} body={body} cols={cols} theme={theme} />;
  return (
    <Box flexDirection="column" width={cols} height={drawnRows(rows)} overflow="hidden">
      <Header state={state} slots={view.slots} width={cols} theme={theme} />
      <Box flexDirection="column" height={body} overflow="hidden">
        {content}
      </Box>
      <Footer
        ui={ui}
        {...(state.notice ? { notice: state.notice } : {})}
        {...(ui.confirm && view.selectedTask?.id === ui.confirm.id ? { confirmTask: view.selectedTask } : {})}
        width={cols}
        theme={theme}
      />
    </Box>
  );
}

interface MainProps {
  state: DashboardState;
  ui: UiState;
  view: View;
  body: number;
  cols: number;
  theme: Theme;
}

function MainSections({ state, ui, view, body, cols, theme }: MainProps) {
  const h = allocate(body, {
    types: Math.min(6, rankTypes(state.byType).length),
    running: view.running.length,
    queued: view.queued.length,
    finished: view.finished.length,
    workers: state.workers?.length ?? 0,
    log: view.selectedTask ? 8 : 1,
  });
  const r = view.running.length;
  const q = view.queued.length;
  const sel = view.taskIndex;
  const within = (from: number, n: number) => (sel >= from && sel < from + n ? sel - from : -1);
  const tasksFocused = ui.focus === 'tasks';
  return (
    <>
      {h.types !== undefined ? <TypeBars byType={state.byType} exact={state.byTypeExact} height={h.types} width={cols} theme={theme} /> : null}
      {h.running !== undefined ? (
        <RunningTable
          tasks={view.running}
          selected={within(0, r)}
          focused={tasksFocused}
          height={h.running}
          width={cols}
          now={state.now}
          workerNames={view.workerNames}
          theme={theme}
        />
      ) : null}
      {h.queued !== undefined ? (
        <QueueTable
          tasks={view.queued}
          waits={view.waits}
          more={ui.filter ? 0 : state.more.queued}
          selected={within(r, q)}
          focused={tasksFocused}
          height={h.queued}
          width={cols}
          theme={theme}
        />
      ) : null}
      {h.finished !== undefined ? (
        <FinishedTable
          tasks={view.finished}
          more={ui.filter ? 0 : state.more.finished}
          selected={within(r + q, view.finished.length)}
          focused={tasksFocused}
          height={h.finished}
          width={cols}
          now={state.now}
          theme={theme}
        />
      ) : null}
      {h.workers !== undefined ? (
        <WorkersTable workers={state.workers} busy={view.busy} selected={view.workerIndex} focused={!tasksFocused} height={h.workers} width={cols} now={state.now} theme={theme} />
      ) : null}
      {h.log !== undefined ? (
        <LogPane
          {...(state.log ? { log: state.log } : {})}
          {...(view.selectedTask ? { task: view.selectedTask } : {})}
          height={h.log}
          width={cols}
          scroll={0}
          full={false}
          theme={theme}
        />
      ) : null}
    </>
  );
}
