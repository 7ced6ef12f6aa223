import t from 'tap';
import { TestHome } from '../helpers/home.js';

t.test('run, ps and show through the real CLI and daemon', async (t) => {
  const h = new TestHome(t, { workers: false });
  const sub = await h.run(['run', 'echo_task']);
  t.equal(sub.code, 0, sub.stderr);
  const id = sub.stdout.split(/\s+/)[0]!;
  t.match(id, /^[0-9a-z]{8}$/);
  const ps = await h.run(['ps']);
  t.equal(ps.code, 0);
  t.match(ps.stdout, /Queued \(1\)/);
  t.match(ps.stdout, id);
  const show = await h.run(['show', id, '--json']);
  const r = JSON.parse(show.stdout);
  t.equal(r.task.id, id);
  t.equal(r.task.state, 'WAITING');
  t.equal(r.task.command, "echo 'hello from blanket'");
});
