// `blanket top` against a real daemon, on a real terminal (tmux, 80×24).
// What needs workers (progress, kill, pause) is marked for when they land.
import t from 'tap';
import { TestHome } from '../helpers/home.js';
import { BEFORE, EXITED, TmuxTop, tmuxAvailable } from '../helpers/tmux.js';

t.test('top shows the queue live, filters, shows details, and gives the terminal back', { skip: tmuxAvailable() ? false : 'tmux is not installed' }, async (t) => {
  const h = new TestHome(t);
  const first = await h.run(['run', '-q', 'echo_task']);
  t.equal(first.code, 0, first.stderr);
  const id1 = first.stdout.trim();

  const top = new TmuxTop(t, h.dir);
  top.start();
  const screen = await top.waitFor(/● live/);
  t.match(screen, id1);
  t.ok(screen.split('\n').every((l) => [...l].length <= 80));

  // A task submitted now appears without a keypress: events, not polling.
  const second = await h.run(['run', '-q', '--label', 'tmux', '--', 'echo', 'x']);
  const id2 = second.stdout.trim();
  await top.waitFor(new RegExp(`${id2} shell .*tmux`));

  top.keys(['/']);
  top.keys(['label:tmux'], true);
  top.keys(['Enter']);
  const filtered = await top.waitFor(/filter: label:tmux/);
  t.notMatch(filtered, id1);
  t.match(filtered, `› ${id2}`);

  top.keys(['Enter']);
  await top.waitFor(new RegExp(`DETAILS ${id2}[\\s\\S]*label +tmux`));
  top.keys(['Escape']);
  await top.waitFor(/filter: label:tmux \(Esc clears\)/);

  top.keys(['q']);
  const after = await top.waitFor(new RegExp(`${EXITED} 0`));
  t.match(after, BEFORE, 'the screen from before top is back');
  t.notMatch(after, /QUEUED/, 'and nothing of the dashboard is left on it');
});

t.test('top shows a task running, kills it with K and a confirm, and sees it STOPPED', { skip: tmuxAvailable() ? false : 'tmux is not installed' }, async (t) => {
  const h = new TestHome(t, { workers: 1 });
  const id = await h.submit(['--label', 'victim', '--', 'sh', '-c', 'echo "50 halfway" > "$BLANKET_APP_TASK_RESULTS_DIRECTORY/.progress"; echo started; sleep 300']);
  await h.waitState(id, ['RUNNING']);
  const top = new TmuxTop(t, h.dir);
  top.start();
  const running = await top.waitFor(new RegExp(`${id}[\\s\\S]*50%`));
  t.match(running, /RUNNING/, 'the running section shows it, with its progress');
  await top.waitFor(/started/, 15_000);
  top.keys(['K']);
  await top.waitFor(new RegExp(`[Kk]ill[\\s\\S]*${id}`));
  top.keys(['y']);
  const stopped = await h.waitState(id, ['STOPPED']);
  t.equal(stopped.reason, 'stopped by user');
  await top.waitFor(new RegExp(`${id}[^\\n]*STOPPED`));
  top.keys(['q']);
  await top.waitFor(new RegExp(`${EXITED} 0`));
});
