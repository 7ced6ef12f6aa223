// After `--` nothing is blanket's: the ad-hoc command gets every word exactly as typed, through
// the fast path and through oclif (BLANKET_NO_FAST_PATH), for run and schedule add.
import t from 'tap';
import { TestHome, waitFor } from '../helpers/home.js';

const h = new TestHome(t);
const PRINT = ['sh', '-c', 'printf "[%s]" "$@"', 'x'];
const WORDS = ['-q', '--json', '-f', '-w', '--help', '--', '', 'a  b', "it's", '$HOME', '-q', '--json', '-f', '-w'];
const EXPECTED = WORDS.map((w) => `[${w}]`).join('');

for (const [name, env] of [
  ['fast path', {}],
  ['oclif', { BLANKET_NO_FAST_PATH: '1' }],
] as const) {
  t.test(`run --follow/--wait, ${name}: the words after -- reach the command unchanged`, async (t) => {
    const follow = await h.run(['run', '--follow', '--', ...PRINT, ...WORDS], { env });
    t.equal(follow.code, 0, follow.stderr);
    t.equal(follow.stdout, EXPECTED, 'exactly the words, none taken as a flag');
    const waited = await h.run(['run', '--wait', '-q', '--', ...PRINT, ...WORDS], { env });
    t.equal(waited.code, 0, waited.stderr);
    const id = (await h.ok(['ps', '-q', '--state', 'SUCCESS'])).trim().split('\n')[0]!;
    t.equal(await h.ok(['logs', id]), EXPECTED);
    const help = await h.run(['run', '-q', '--', 'sh', '-c', 'x', '--help'], { env });
    t.equal(help.code, 0, help.stderr);
    t.match(help.stdout, /^\w+\n$/, '--help after -- prints no help: the task is queued');
  });
}

t.test('schedule add NAME --cron … -- cmd -q: the words are the schedule command', async (t) => {
  await h.ok(['schedule', 'add', 'words', '--cron', '0 3 * * *', '--paused', '--', ...PRINT, ...WORDS]);
  await h.ok(['schedule', 'trigger', 'words']);
  const task = await waitFor(
    'the triggered task to end',
    async () => {
      const ps = await (await h.client()).call('ps', { limit: 100 });
      return ps.finished.find((x) => x.schedule?.name === 'words');
    },
    20_000,
  );
  t.equal(task.state, 'SUCCESS');
  t.equal(await h.ok(['logs', task.id]), EXPECTED);
});
