import t from 'tap';
import { KeyedSerial } from '../../../src/core/serial.js';

t.test('one at a time per key, in call order; keys apart run side by side; empty keys are forgotten', async (t) => {
  const s = new KeyedSerial();
  const log: string[] = [];
  const gates: Array<() => void> = [];
  const step = (name: string) => () =>
    new Promise<string>((resolve) => {
      log.push(`start ${name}`);
      gates.push(() => {
        log.push(`end ${name}`);
        resolve(name);
      });
    });
  const a1 = s.run('a', step('a1'));
  const a2 = s.run('a', step('a2'));
  const b1 = s.run('b', step('b1'));
  await new Promise((r) => setImmediate(r));
  t.same(log, ['start a1', 'start b1'], 'a2 waits for a1; b1 does not');
  t.equal(s.size, 2);
  gates.shift()!();
  t.equal(await a1, 'a1');
  await new Promise((r) => setImmediate(r));
  t.same(log.slice(2), ['end a1', 'start a2']);
  gates.shift()!();
  gates.shift()!();
  t.same(await Promise.all([a2, b1]), ['a2', 'b1']);
  await new Promise((r) => setImmediate(r));
  t.equal(s.size, 0, 'nothing kept for keys whose work is done');
});

t.test('a failure is the caller’s, and the next in line still runs', async (t) => {
  const s = new KeyedSerial();
  const failed = s.run('k', () => Promise.reject(new Error('no space')));
  const after = s.run('k', async () => 'ran');
  await t.rejects(failed, /no space/);
  t.equal(await after, 'ran');
});
