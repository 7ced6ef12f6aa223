// One reported figure: its samples' median and min–max, the floor measured in
// the same run, their ratio, the target and whether it is met.
import { median, percentile, round, summary } from './stats.mjs';

/**
 * @param {object} f
 * @param {string} f.id            stable key, e.g. "cli.ps"
 * @param {string} f.label         what was measured, for people
 * @param {string} f.unit          "ms", "tasks/s", "MB", …
 * @param {number[]} f.samples
 * @param {'median'|'p99'|'total'} [f.stat]  which statistic is the figure (default median; total: the sum of the samples, e.g. CPU over parts of one window)
 * @param {object} [f.floor]       { label, samples, unit? }: the floor, measured in the same run
 * @param {'lower'|'higher'} [f.better]  for speed: lower times, higher rates (default lower)
 * @param {object} [f.target]      { on: 'ratio'|'value', op: '<='|'>=', value, text }
 * @param {boolean} [f.paired]     samples[i] and floor.samples[i] were measured back to back: report the range of their ratios
 * @param {string} [f.note]
 */
export function figure(f) {
  const stat = f.stat ?? 'median';
  const s = summary(f.samples);
  const pick = (xs, sm) => (stat === 'p99' ? percentile(xs, 99) : stat === 'total' ? xs.reduce((a, b) => a + b, 0) : sm.median);
  const value = pick(f.samples, s);
  const out = {
    id: f.id,
    label: f.label,
    unit: f.unit,
    stat,
    value: round(value),
    median: round(s.median),
    min: round(s.min),
    max: round(s.max),
    n: s.n,
    samples: f.samples.map(round),
  };
  if (f.floor) {
    const fs = summary(f.floor.samples);
    const fv = pick(f.floor.samples, fs);
    out.floor = {
      label: f.floor.label,
      unit: f.floor.unit ?? f.unit,
      value: round(fv),
      median: round(fs.median),
      min: round(fs.min),
      max: round(fs.max),
      n: fs.n,
      samples: f.floor.samples.map(round),
    };
    out.ratio = { value: Number.isFinite(value / fv) ? round(value / fv) : null };
    if (f.paired && f.floor.samples.length === f.samples.length) {
      const rs = f.samples.map((x, i) => x / f.floor.samples[i]);
      out.ratio.pairedMedian = round(median(rs));
      out.ratio.min = round(Math.min(...rs));
      out.ratio.max = round(Math.max(...rs));
    }
  }
  if (f.target) {
    const got = f.target.on === 'ratio' ? out.ratio?.value : value;
    out.target = f.target;
    out.met = got === undefined || !Number.isFinite(got) ? null : f.target.op === '<=' ? got <= f.target.value : got >= f.target.value;
  }
  if (f.note) out.note = f.note;
  return out;
}

export const MB = 1024 * 1024;
