// Results as JSON and as markdown tables (a summary of the targets, then
// every figure of each environment); the summary also goes into README.md.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from './repo.mjs';

const num = (x) => (x === null || x === undefined || !Number.isFinite(x) ? '—' : Math.abs(x) >= 100 ? String(Math.round(x)) : Math.abs(x) >= 10 ? x.toFixed(1) : x.toFixed(2));
const val = (x, unit) => (unit === 'tasks/s' ? `${num(x)}/s` : `${num(x)} ${unit}`);
const range = (f, unit) => `${num(f.min)}–${num(f.max)}${unit === 'tasks/s' ? '/s' : ` ${unit}`}`;
const mark = (met) => (met === true ? '✅' : met === false ? '❌' : '—');
const statName = (f) => (f.stat === 'p99' ? 'p99' : 'median');

function ratioCell(f) {
  if (!f.ratio || !Number.isFinite(f.ratio.value)) return '—';
  const r = `${num(f.ratio.value)}×`;
  return f.ratio.min !== undefined ? `${r} (${num(f.ratio.min)}–${num(f.ratio.max)})` : r;
}

function figureRow(f) {
  const v = `${val(f.value, f.unit)}${f.stat === 'median' ? '' : ` (${f.stat})`} (${f.stat === 'total' ? 'parts ' : ''}${range(f, f.unit)}, n=${f.n})`;
  const floor = f.floor ? `${f.floor.label}: ${val(f.floor.value, f.floor.unit)} (${range(f.floor, f.floor.unit)})` : '—';
  return `| ${f.label} | ${v} | ${floor} | ${ratioCell(f)} | ${f.target?.text ?? '—'} | ${f.target ? mark(f.met) : '—'} |`;
}

/** The cell of one figure in the summary: what the target is about, and whether it is met. */
function summaryCell(f) {
  if (!f) return '—';
  const main =
    f.target?.on === 'ratio'
      ? `${num(f.ratio?.value)}× (${val(f.value, f.unit)})`
      : Number.isFinite(f.ratio?.value)
        ? `${val(f.value, f.unit)} (${num(f.ratio.value)}× floor)`
        : val(f.value, f.unit);
  return f.target ? `${main} ${mark(f.met)}` : main;
}

export function header(r) {
  const m = r.machine;
  const lines = [
    `Measured ${r.date} (${r.mode}${r.mode === 'quick' ? ': small N, few repetitions, not for comparing' : ''}) on ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, ${m.os}, Node ${m.node}; blanket ${m.blanket} at ${m.commit ?? '?'}${m.dirty ? ' (with uncommitted changes)' : ''}.`,
    `Load average at start ${r.loadAvg.start.join(' ')}, at end ${r.loadAvg.end?.join(' ') ?? '?'}${r.busyNote ? ` — ${r.busyNote}` : ''}.`,
    `Store at scale: ${r.scale.n.toLocaleString('en')} tasks (${r.scale.counts ? `${r.scale.counts.SUCCESS.toLocaleString('en')} SUCCESS, ${r.scale.counts.WAITING.toLocaleString('en')} queued` : ''}), written with the real LevelStore${r.scale.cached ? ' (cached)' : ''}; homes use sync_writes = ${r.config.syncWrites}; the empty and at-scale homes run no worker, the task home a default worker with 2 slots.`,
    'Each figure is the median of n runs with its min–max; each ratio is to a floor measured in the same run, back to back (the range is that of the pairs).',
  ];
  return lines.join('\n');
}

export function summaryTable(r) {
  const ids = [];
  for (const v of r.variants) for (const f of v.figures) if ((f.target || f.id === 'floor.node') && !ids.includes(f.id)) ids.push(f.id);
  const byId = (v, id) => v.figures.find((f) => f.id === id);
  const any = (id) => r.variants.map((v) => byId(v, id)).find(Boolean);
  const rows = [`| Figure | Target | ${r.variants.map((v) => v.label).join(' | ')} |`, `|---|---|${r.variants.map(() => '---|').join('')}`];
  for (const id of ids) rows.push(`| ${any(id).label} | ${any(id).target?.text ?? '—'} | ${r.variants.map((v) => summaryCell(byId(v, id))).join(' | ')} |`);
  return rows.join('\n');
}

export function markdown(r) {
  const out = [`# blanket benchmarks: ${r.date}`, '', header(r), '', '## Targets', '', summaryTable(r), ''];
  for (const v of r.variants) {
    out.push(`## ${v.label}`, '', '| Figure | Value (min–max, n) | Floor (min–max) | Ratio (pairs' + "'" + ' range) | Target | Met |', '|---|---|---|---|---|---|');
    for (const f of v.figures) out.push(figureRow(f));
    const notes = v.figures.filter((f) => f.note).map((f) => `- ${f.label}: ${f.note}`);
    if (v.errors.length) out.push('', ...v.errors.map((e) => `- **${e.bench} failed**: ${e.message.split('\n')[0]}`));
    if (notes.length) out.push('', ...notes);
    out.push('');
  }
  if (r.warnings.length) out.push('## Warnings', '', ...r.warnings.map((w) => `- ${w}`), '');
  out.push('Run it: `npm run bench` (full), `npm run bench -- --quick` (smoke). See bench/README.md.', '');
  return out.join('\n');
}

/** Write <stamp>.json, <stamp>.md and (unless `latest` is false) latest.md into `dir`; returns their paths. */
export function write(r, dir, stamp, { latest = true } = {}) {
  mkdirSync(dir, { recursive: true });
  const json = path.join(dir, `${stamp}.json`);
  const md = path.join(dir, `${stamp}.md`);
  const text = markdown(r);
  writeFileSync(json, JSON.stringify(r, null, 2) + '\n');
  writeFileSync(md, text);
  if (latest) writeFileSync(path.join(dir, 'latest.md'), text);
  return { json, md };
}

const BEGIN = '<!-- bench:begin -->';
const END = '<!-- bench:end -->';

/** Replace the summary between the bench markers of README.md (when it has them). */
export function updateReadme(r, mdPath) {
  const file = path.join(ROOT, 'README.md');
  if (!existsSync(file)) return false;
  const text = readFileSync(file, 'utf8');
  const a = text.indexOf(BEGIN);
  const b = text.indexOf(END);
  if (a < 0 || b < a) return false;
  const rel = path.relative(ROOT, mdPath);
  const block = [BEGIN, '', header(r), '', summaryTable(r), '', `Every figure, floor and range: [${rel}](${rel}).`, '', END].join('\n');
  writeFileSync(file, text.slice(0, a) + block + text.slice(b + END.length));
  return true;
}
