import t from 'tap';
import { finish, formatCandidates, planCompletion, type CompletionSpec, type ManifestFlag } from '../../src/cli/complete/engine.js';
import { ask } from '../../src/cli/complete/live.js';
import type { Task } from '../../src/protocol/model.js';

const flag = (name: string, o: Partial<ManifestFlag> = {}): ManifestFlag => ({ name, type: 'option', ...o });
const json = flag('json', { type: 'boolean', description: 'Print JSON.' });
const spec: CompletionSpec = {
  topics: { daemon: { description: 'Run the daemon.' } },
  commands: {
    run: {
      id: 'run',
      summary: 'Submit a task.',
      strict: false,
      args: { type: { name: 'type' } },
      flags: {
        json,
        env: flag('env', { char: 'e', multiple: true }),
        quiet: flag('quiet', { char: 'q', type: 'boolean' }),
        batch: flag('batch'),
        after: flag('after', { multiple: true }),
      },
    },
    ps: {
      id: 'ps',
      summary: 'List tasks.',
      flags: { json, state: flag('state', { char: 's', multiple: true }), type: flag('type', { char: 't' }), limit: flag('limit', { char: 'n' }) },
    },
    kill: { id: 'kill', summary: 'Kill tasks.', strict: false, args: { ids: { name: 'ids' } }, flags: { json, signal: flag('signal', { char: 's' }) } },
    show: { id: 'show', summary: 'Show a task.', args: { id: { name: 'id' } }, flags: { json } },
    'daemon:start': { id: 'daemon:start', summary: 'Start it.\nMore.', flags: { json, foreground: flag('foreground', { char: 'f', type: 'boolean' }) } },
    'daemon:stop': { id: 'daemon:stop', summary: 'Stop it.', flags: { json } },
    'daemon:secret': { id: 'daemon:secret', hidden: true },
    'schedule:rm': { id: 'schedule:rm', args: { name: { name: 'name' } } },
    config: { id: 'config', summary: 'Show config.', flags: { json } },
    'config:edit': { id: 'config:edit', summary: 'Edit config.' },
    mode: { id: 'mode', args: { level: { name: 'level', options: ['low', 'high'] } } },
  },
};

const values = (words: string[]) => {
  const p = planCompletion(spec, words);
  return p.source.kind === 'static' ? finish(p, p.source.values).map((c) => c.value) : p.source.kind === 'live' ? `live:${p.source.live}` : p.source.kind;
};

t.test('commands and topics', async (t) => {
  t.same(values(['']), ['config', 'daemon', 'kill', 'mode', 'ps', 'run', 'schedule', 'show']);
  t.same(values(['s']), ['schedule', 'show']);
  t.same(values(['daemon', '']), ['start', 'stop'], 'hidden commands are not offered');
  t.same(values(['daemon', 'st']), ['start', 'stop']);
  t.same(values(['config', '']), ['edit'], 'a command that is also a topic offers its subcommands');
  t.same(values(['nope', '']), 'none', 'nothing after an unknown command');
  t.same(values(['-']), ['--help', '--version']);
  const top = planCompletion(spec, ['d']);
  t.same(formatCandidates(top, top.source.kind === 'static' ? top.source.values : []), 'daemon\tRun the daemon.\n');
  const sub = planCompletion(spec, ['daemon', 'sta']);
  t.same(formatCandidates(sub, sub.source.kind === 'static' ? sub.source.values : []), 'start\tStart it.\n', 'the first line of the summary');
});

t.test('flags', async (t) => {
  t.same(values(['ps', '--']), ['--help', '--json', '--limit', '--state', '--type']);
  t.same(values(['ps', '--state', 'RUNNING', '--t']), ['--type']);
  t.same(values(['ps', '--type', 'x', '-']), ['--help', '--json', '--limit', '--state'], 'a flag given once is not offered again');
  t.same(values(['ps', '-t', 'x', '--state', 'A', '--st']), ['--state'], 'a repeatable flag is offered again');
  t.same(values(['run', '-qe', 'A=1', '--e']), ['--env'], 'bundled short flags are understood');
});

t.test('flag values', async (t) => {
  t.same(values(['ps', '--state', 'RU']), ['RUNNING']);
  t.same(values(['ps', '-s', 'S']), ['SUCCESS', 'STOPPED', 'SKIPPED']);
  t.same(values(['ps', '--state=ERROR,TI']), ['--state=ERROR,TIMEDOUT'], 'inline value, after the last comma');
  t.same(values(['ps', '--state', 'ERROR,']).length, 9);
  t.same(values(['kill', '-s', 'SIGK']), ['SIGKILL'], '-s is --signal on kill');
  t.same(values(['ps', '--type', '']), 'live:types');
  t.same(values(['ps', '--type=e']), 'live:types');
  t.same(planCompletion(spec, ['ps', '--type=e']).insert, '--type=');
  t.same(values(['run', '--after', '']), 'live:tasks-recent');
  t.same(values(['run', '--batch', '']), 'files');
  t.same(values(['ps', '--limit', '']), 'none');
  t.same(values(['ps', '--json', '--limit', '5', '']), 'none', 'a value is not taken for a command word');
});

t.test('arguments', async (t) => {
  t.same(values(['run', '']), 'live:types');
  t.same(values(['run', '-e', 'A=1', 'ec']), 'live:types', 'flags and their values are skipped');
  t.same(values(['run', 'echo', '']), 'none', 'run takes one type');
  t.same(values(['run', '--', '']), 'files', 'after -- comes a command line');
  t.same(values(['kill', '']), 'live:tasks-active');
  t.same(values(['kill', 'abc', '']), 'live:tasks-active', 'more ids');
  t.same(values(['show', '']), 'live:tasks-recent');
  t.same(values(['show', 'abc', '']), 'none', 'show takes one id');
  t.same(values(['schedule', 'rm', '']), 'live:schedules', 'the schedule hook');
  t.same(values(['mode', 'h']), ['high'], 'options of an argument');
  t.same(values(['daemon', 'start', '']), 'none');
});

const task = (id: string, state: Task['state'], label?: string) => ({ id, state, type: 'echo', ...(label ? { label } : {}) }) as Task;
const fake = {
  call: async (method: string) => {
    if (method === 'ps')
      return { running: [task('b2', 'RUNNING')], queued: [task('c3', 'WAITING', 'ci')], finished: [task('d4', 'SUCCESS'), task('a1', 'ERROR')], counts: {}, more: {} };
    if (method === 'types.ls')
      return {
        types: [
          { name: 'echo', description: 'Says hi.\nTwice.' },
          { name: 'shell', description: '' },
        ],
        errors: [],
      };
    throw Object.assign(new Error('Method not found'), { code: 'METHOD_NOT_FOUND' });
  },
} as never;

t.test('live values', async (t) => {
  t.same(
    await ask(fake, 'tasks-active'),
    [
      { value: 'b2', description: 'RUNNING echo' },
      { value: 'c3', description: 'WAITING echo [ci]' },
      { value: 'd4', description: 'SUCCESS echo' },
      { value: 'a1', description: 'ERROR echo' },
    ],
    'running first, then queued, then finished',
  );
  t.same(
    (await ask(fake, 'tasks-recent')).map((c) => c.value),
    ['d4', 'c3', 'b2', 'a1'],
    'newest first',
  );
  t.same(await ask(fake, 'types'), [{ value: 'echo', description: 'Says hi.' }, { value: 'shell' }]);
  await t.rejects(ask(fake, 'schedules'), 'an unknown method is the caller’s to swallow');
  const list = { call: async () => ({ workers: [{ id: 'local', state: 'running', running: ['a'], slots: 2 }] }) } as never;
  t.same(await ask(list, 'workers'), [{ value: 'local', description: 'running, 1/2 slots' }], 'worker ids with their state and slots');
});

t.test('output format', async (t) => {
  const p = planCompletion(spec, ['run', '--batch', 'x']);
  t.equal(formatCandidates(p, []), ':files\n');
  const q = planCompletion(spec, ['ps', '--state', 'E']);
  t.equal(formatCandidates(q, [{ value: 'ERROR', description: 'a\tb\nc' }, { value: 'X' }]), 'ERROR\ta b c\n');
  t.equal(formatCandidates(planCompletion(spec, ['nope', '']), []), '');
});
