// A small parser of the Prometheus text exposition format (0.0.4), strict
// enough to catch what a scraper would reject: families declared before their
// samples, valid names, escaped label values, numeric values, no duplicate series.

export interface PromSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface PromFamily {
  name: string;
  type: string;
  help: string;
  samples: PromSample[];
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);

function value(text: string, line: number): number {
  if (text === 'NaN') return NaN;
  if (text === '+Inf') return Infinity;
  if (text === '-Inf') return -Infinity;
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text)) throw new Error(`line ${line}: not a number: ${text}`);
  return Number(text);
}

function labels(text: string, line: number): Record<string, string> {
  const out: Record<string, string> = {};
  let i = 0;
  while (i < text.length) {
    const eq = text.indexOf('=', i);
    if (eq < 0) throw new Error(`line ${line}: label without =`);
    const key = text.slice(i, eq).trim();
    if (!LABEL.test(key)) throw new Error(`line ${line}: bad label name ${key}`);
    if (text[eq + 1] !== '"') throw new Error(`line ${line}: label value not quoted`);
    let v = '';
    let j = eq + 2;
    for (; j < text.length && text[j] !== '"'; j++) {
      if (text[j] === '\\') {
        const c = text[++j];
        if (c === 'n') v += '\n';
        else if (c === '\\' || c === '"') v += c;
        else throw new Error(`line ${line}: bad escape \\${c}`);
      } else if (text[j] === '\n') throw new Error(`line ${line}: raw newline in a label value`);
      else v += text[j];
    }
    if (j >= text.length) throw new Error(`line ${line}: unterminated label value`);
    if (Object.hasOwn(out, key)) throw new Error(`line ${line}: label ${key} twice`);
    out[key] = v;
    i = j + 1;
    if (text[i] === ',') i++;
    else if (i < text.length) throw new Error(`line ${line}: expected , after a label`);
  }
  return out;
}

export function parsePrometheus(text: string): Map<string, PromFamily> {
  if (!text.endsWith('\n')) throw new Error('the text must end with a newline');
  const families = new Map<string, PromFamily>();
  const series = new Set<string>();
  let help: { name: string; text: string } | undefined;
  text
    .slice(0, -1)
    .split('\n')
    .forEach((l, idx) => {
      const line = idx + 1;
      if (l.startsWith('# HELP ')) {
        const [, name, ...rest] = l.slice(2).split(' ');
        if (!NAME.test(name!)) throw new Error(`line ${line}: bad metric name ${name}`);
        help = { name: name!, text: rest.join(' ') };
        return;
      }
      if (l.startsWith('# TYPE ')) {
        const [, name, type] = l.slice(2).split(' ');
        if (!NAME.test(name!) || !TYPES.has(type!)) throw new Error(`line ${line}: bad TYPE line`);
        if (families.has(name!)) throw new Error(`line ${line}: ${name} declared twice`);
        families.set(name!, { name: name!, type: type!, help: help?.name === name ? help!.text : '', samples: [] });
        return;
      }
      if (l.startsWith('#') || l.trim() === '') return;
      const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)(?: (-?\d+))?$/.exec(l);
      if (!m) throw new Error(`line ${line}: not a sample: ${l}`);
      const name = m[1]!;
      const fam = families.get(name) ?? families.get(name.replace(/_(sum|count|bucket)$/, ''));
      if (!fam) throw new Error(`line ${line}: ${name} has no TYPE before it`);
      const sample = { name, labels: labels(m[2] ?? '', line), value: value(m[3]!, line) };
      const key = `${name}${JSON.stringify(Object.entries(sample.labels).sort())}`;
      if (series.has(key)) throw new Error(`line ${line}: duplicate series ${key}`);
      series.add(key);
      fam.samples.push(sample);
    });
  return families;
}

/** The value of one series, or undefined. */
export function promValue(f: Map<string, PromFamily>, name: string, labels: Record<string, string> = {}): number | undefined {
  const fam = f.get(name) ?? f.get(name.replace(/_(sum|count|bucket)$/, ''));
  return fam?.samples.find((s) => s.name === name && Object.keys(labels).length === Object.keys(s.labels).length && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
    ?.value;
}
