import t from 'tap';
import { formatDuration, parseDuration } from '../../../src/core/duration.js';

t.test('parseDuration', async (t) => {
  const table: Array<[string | number, number | undefined]> = [
    ['10s', 10_000],
    ['500ms', 500],
    ['1m', 60_000],
    ['2h30m', 9_000_000],
    ['1d', 86_400_000],
    ['1w', 604_800_000],
    ['1h1m1s1ms', 3_661_001],
    ['1.5s', 1500],
    ['0.5m', 30_000],
    ['  10s  ', 10_000],
    ['10', 10_000],
    ['2.5', 2500],
    ['0', 0],
    [10, 10_000],
    [0.25, 250],
    [0, 0],
    ['', undefined],
    ['s', undefined],
    ['10x', undefined],
    ['10 s', undefined],
    ['10s5', undefined],
    ['-5s', undefined],
    ['10S', undefined],
    ['1e3', undefined],
    ['Infinity', undefined],
    [-1, undefined],
    [NaN, undefined],
    [Infinity, undefined],
  ];
  for (const [input, want] of table) t.equal(parseDuration(input), want, JSON.stringify(input));
});

t.test('formatDuration', async (t) => {
  const table: Array<[number, string]> = [
    [0, '0ms'],
    [999, '999ms'],
    [1000, '1.0s'],
    [1500, '1.5s'],
    [10_000, '10s'],
    [59_499, '59s'],
    [59_500, '1m'],
    [61_000, '1m1s'],
    [3_600_000, '1h'],
    [3_661_000, '1h1m'],
    [90_061_000, '1d1h'],
  ];
  for (const [ms, want] of table) t.equal(formatDuration(ms), want, String(ms));
});
