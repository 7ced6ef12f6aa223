import t from 'tap';
import { arenaEnv, stripArena, withArena } from '../../src/core/arena.js';

t.test('withArena adds 2, marked, only where the user set nothing; stripArena undoes exactly that', async (t) => {
  const ours = withArena({ PATH: '/bin' });
  t.same(ours, { PATH: '/bin', MALLOC_ARENA_MAX: '2', BLANKET_ARENA_DEFAULT: '1' });
  t.same(withArena(ours), ours, 'a daemon passing it on to its workers');
  const user = withArena({ MALLOC_ARENA_MAX: '4' });
  t.same(user, { MALLOC_ARENA_MAX: '4' }, "the user's value, unmarked");
  t.same(withArena({ MALLOC_ARENA_MAX: '' }), { MALLOC_ARENA_MAX: '' }, 'set to empty is set');
  t.same(withArena({ BLANKET_ARENA_DEFAULT: '1' }), { MALLOC_ARENA_MAX: '2', BLANKET_ARENA_DEFAULT: '1' }, 'a stray marker alone');
  const a = { ...ours };
  stripArena(a);
  t.same(a, { PATH: '/bin' });
  const b = { ...user };
  stripArena(b);
  t.same(b, { MALLOC_ARENA_MAX: '4' });
  t.same(arenaEnv({ MALLOC_ARENA_MAX: '1' }), { MALLOC_ARENA_MAX: '1' });
  t.same(arenaEnv({}), { MALLOC_ARENA_MAX: '2', BLANKET_ARENA_DEFAULT: '1' });
});
