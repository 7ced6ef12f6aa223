// Dispatch policy end to end (issue 15.3, 15.4): fair share between labels with one slot, and a
// type's rate_limit: held tasks say why, a restart lets no burst through, the window opening
// starts the next without any other event (a timer, not polling), and bad values are refused.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import t, { type Test } from 'tap';
import { TestHome, waitFor } from '../helpers/home.js';

/** A home with one worker, paused, and a type that appends its WHO to OUT: the order tasks started in. */
async function pausedNoteHome(t: Test): Promise<{ h: TestHome; out: string }> {
  const h = new TestHome(t, {
    workers: 1,
    types: { note: `command = "echo {{WHO}} >> {{OUT}}"\n[[environment.required]]\nname = "WHO"\n[[environment.required]]\nname = "OUT"\n` },
  });
  await waitFor('the local worker', async () => (await h.json(['worker', 'ls'])).workers.some((w: { id: string; state: string }) => w.id === 'local' && w.state === 'running'));
  await h.ok(['worker', 'pause', 'local']);
  return { h, out: path.join(h.dir, 'order.txt') };
}

t.test('fair share: 10 tasks of label B queued after 200 of label A all start long before A is drained', async (t) => {
  const { h, out } = await pausedNoteHome(t);
  const line = (label: string) => JSON.stringify({ type: 'note', env: { WHO: label, OUT: out }, label });
  const batch = (label: string, n: number) => {
    const p = path.join(h.dir, `${label}.jsonl`);
    writeFileSync(p, Array.from({ length: n }, () => line(label)).join('\n') + '\n');
    return p;
  };
  await h.ok(['run', '--batch', batch('A', 200), '-q']);
  await h.ok(['run', '--batch', batch('B', 10), '-q']);
  await h.ok(['worker', 'resume', 'local']);
  const order = await waitFor(
    "B's 10 tasks to run",
    () => {
      let text: string;
      try {
        text = readFileSync(out, 'utf8');
      } catch {
        return undefined;
      }
      const lines = text.trim().split('\n');
      return lines.filter((l) => l === 'B').length === 10 ? lines : undefined;
    },
    120_000,
  );
  const lastB = order.lastIndexOf('B');
  t.ok(lastB < 25, `B's last task started ${lastB + 1}th (of 210): equal weights alternate A and B`);
  t.same(
    order.slice(0, 20),
    Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? 'A' : 'B')),
    'A, B, A, B…: the older first on a tie',
  );
  await h.ok(['worker', 'pause', 'local']); // the rest of A need not run
});

t.test('label weights: a change of config.toml is in force without a restart', async (t) => {
  const { h, out } = await pausedNoteHome(t);
  writeFileSync(h.paths.config, '[labels.B]\nweight = 3\n');
  await waitFor('the daemon to take the new weights', async () => /label weights from config\.toml in force/.test(await h.ok(['daemon', 'logs'])), 30_000);
  const p = path.join(h.dir, 'tasks.jsonl');
  const line = (label: string) => JSON.stringify({ type: 'note', env: { WHO: label, OUT: out }, label });
  writeFileSync(p, [...Array.from({ length: 20 }, () => line('A')), ...Array.from({ length: 20 }, () => line('B'))].join('\n') + '\n');
  await h.ok(['run', '--batch', p, '-q']);
  await h.ok(['worker', 'resume', 'local']);
  const order = await waitFor('16 tasks to run', () => {
    try {
      const lines = readFileSync(out, 'utf8').trim().split('\n');
      return lines.length >= 16 ? lines.slice(0, 16) : undefined;
    } catch {
      return undefined;
    }
  });
  t.equal(order.filter((l) => l === 'B').length, 12, `B (weight 3) started 3 for each of A's (weight 1): ${order.join('')}`);
  await h.ok(['worker', 'pause', 'local']);
});

t.test('rate_limit: held tasks say so in ps and show, a restart lets no burst through', async (t) => {
  const h = new TestHome(t, {
    workers: 2,
    types: {
      limited: 'rate_limit = "2/1h"\ncommand = "true"\n',
      free: 'command = "true"\n',
    },
  });
  const ids = [await h.submit(['limited']), await h.submit(['limited']), await h.submit(['limited'])];
  await h.waitState(ids[0]!, ['SUCCESS']);
  await h.waitState(ids[1]!, ['SUCCESS']);
  // A task of another type runs after: the worker has claimed since, and still the third waits.
  await h.waitState(await h.submit(['free']), ['SUCCESS']);
  t.equal((await h.task(ids[2]!)).state, 'WAITING');
  const ps = await h.ok(['ps']);
  t.match(ps, /rate limited until (\d{4}-\d\d-\d\d )?\d\d:\d\d:\d\d/, 'ps says why');
  const json = await h.json(['ps']);
  t.match(json.reasons[ids[2]!], /^rate limited until (\d{4}-\d\d-\d\d )?\d\d:\d\d:\d\d$/);
  t.match(await h.ok(['show', ids[2]!]), /waiting\s+rate limited until (\d{4}-\d\d-\d\d )?\d\d:\d\d:\d\d/, 'show says why');
  t.match((await h.json(['types', 'show', 'limited'])).rateLimit, { count: 2, windowMs: 3_600_000 });

  await h.ok(['daemon', 'restart']);
  await h.waitState(await h.submit(['free']), ['SUCCESS']);
  t.equal((await h.task(ids[2]!)).state, 'WAITING', 'after a restart the window still holds');
  t.match(await h.ok(['ps']), /rate limited until/);
});

t.test('rate_limit: when the window opens the next task starts by itself', async (t) => {
  const h = new TestHome(t, { workers: 2, types: { tick: 'rate_limit = "1/2s"\ncommand = "true"\n' } });
  const a = await h.submit(['tick']);
  const b = await h.submit(['tick']);
  const first = await h.waitState(a, ['SUCCESS']);
  const second = await h.waitState(b, ['SUCCESS'], 30_000);
  const claimed = (x: typeof first) => x.claimedAt ?? x.attempts.at(-1)?.claimedAt ?? NaN;
  t.ok(claimed(second) - claimed(first) >= 2000, `the second was claimed ${claimed(second) - claimed(first)} ms after the first (window 2 s)`);
});

t.test('bad rate_limit and weight values: an error naming the key and file:line', async (t) => {
  const h = new TestHome(t, { workers: false });
  const cases: Array<[string, RegExp]> = [
    ['rate_limit = "0/1m"', /count must be a whole number from 1/],
    ['rate_limit = "10/0s"', /window must be a duration longer than zero/],
    ['rate_limit = "lots"', /must be "N\/DURATION"/],
    ['rate_limit = 10', /must be "N\/DURATION"/],
    ['weight = 0', /weight: must be a number above 0/],
  ];
  for (const [line, re] of cases) {
    const file = path.join(h.dir, 'bad.toml');
    writeFileSync(file, `description = "x"\n${line}\ncommand = "true"\n`);
    const r = await h.run(['types', 'validate', file]);
    t.not(r.code, 0, `${line}: non-zero exit`);
    t.match(r.stdout + r.stderr, new RegExp(`bad\\.toml:2: ${line.split(' ')[0]}: `), `${line}: names the key at file:line`);
    t.match(r.stdout + r.stderr, re, line);
  }
  writeFileSync(h.paths.config, '[labels.team]\nweight = -2\n');
  const r = await h.run(['config']);
  t.not(r.code, 0);
  t.match(r.stdout + r.stderr, /config\.toml:2: labels\.team\.weight: must be a number above 0/);
});
