// Reading V8 .cpuprofile files (node --cpu-prof): self time by function and
// by where the code comes from (a package, a directory of dist/, node's
// internals, V8), optionally only in a time window.
import { readFileSync } from 'node:fs';
import { ROOT } from './repo.mjs';

export function load(file) {
  return JSON.parse(readFileSync(file, 'utf8'));
}

const SPECIAL = new Set(['(garbage collector)', '(idle)', '(program)', '(root)']);

/** Where a frame's code lives, as a short group name. */
export function groupOf(frame) {
  const { url, functionName } = frame;
  if (!url) return SPECIAL.has(functionName) ? functionName : '(V8 builtins and native)';
  if (url.startsWith('node:')) {
    const parts = url.slice(5).split('/');
    return `node:${parts[0] === 'internal' ? parts.slice(0, 2).join('/') : parts[0]}`;
  }
  const p = decodeURIComponent(url.replace(/^file:\/\//, ''));
  const nm = p.lastIndexOf('/node_modules/');
  if (nm >= 0) {
    const rest = p.slice(nm + 14).split('/');
    return rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
  }
  if (p.startsWith(ROOT + '/')) {
    const rel = p.slice(ROOT.length + 1).split('/');
    return rel[0] === 'dist' ? `blanket ${rel.slice(0, Math.min(3, rel.length - 1)).join('/')}/` : `blanket ${rel.join('/')}`;
  }
  return p;
}

function where(frame) {
  if (!frame.url) return '';
  const p = decodeURIComponent(frame.url.replace(/^file:\/\//, ''));
  const nm = p.lastIndexOf('/node_modules/');
  const short = nm >= 0 ? p.slice(nm + 14) : p.startsWith(ROOT + '/') ? p.slice(ROOT.length + 1) : p;
  return `${short}:${frame.lineNumber + 1}`;
}

/**
 * Self time (ms) by function and by group, over samples in [from, to] (µs, the profile's clock;
 * default: all). `idle` is reported but left out of the percentages.
 */
export function summarize(profile, { from = -Infinity, to = Infinity } = {}) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const fn = new Map();
  const group = new Map();
  let t = profile.startTime;
  let busy = 0;
  let idle = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    t += profile.timeDeltas[i];
    // A sample's time is the gap until the next sample.
    const dt = (profile.timeDeltas[i + 1] ?? 0) / 1000;
    if (t < from || t > to) continue;
    const node = byId.get(profile.samples[i]);
    const f = node.callFrame;
    if (f.functionName === '(idle)') {
      idle += dt;
      continue;
    }
    busy += dt;
    const key = `${f.functionName || '(anonymous)'}\t${where(f)}`;
    fn.set(key, (fn.get(key) ?? 0) + dt);
    const g = groupOf(f);
    group.set(g, (group.get(g) ?? 0) + dt);
  }
  const rows = (m) => [...m].sort((a, b) => b[1] - a[1]).map(([k, ms]) => ({ key: k, ms: Math.round(ms * 100) / 100, pct: busy ? Math.round((ms / busy) * 1000) / 10 : 0 }));
  return {
    busyMs: Math.round(busy * 10) / 10,
    idleMs: Math.round(idle * 10) / 10,
    functions: rows(fn).map(({ key, ms, pct }) => ({ function: key.split('\t')[0], where: key.split('\t')[1], ms, pct })),
    groups: rows(group).map(({ key, ms, pct }) => ({ group: key, ms, pct })),
  };
}

/** Average several summaries (e.g. one per run) into one, by key. */
export function average(summaries) {
  const n = summaries.length;
  const avg = (lists, key) => {
    const m = new Map();
    for (const l of lists)
      for (const r of l) {
        const k = key(r);
        const cur = m.get(k) ?? { ...r, ms: 0 };
        cur.ms += r.ms / n;
        m.set(k, cur);
      }
    const busy = summaries.reduce((s, x) => s + x.busyMs, 0) / n;
    return [...m.values()].sort((a, b) => b.ms - a.ms).map((r) => ({ ...r, ms: Math.round(r.ms * 100) / 100, pct: Math.round((r.ms / busy) * 1000) / 10 }));
  };
  return {
    busyMs: Math.round((summaries.reduce((s, x) => s + x.busyMs, 0) / n) * 10) / 10,
    idleMs: Math.round((summaries.reduce((s, x) => s + x.idleMs, 0) / n) * 10) / 10,
    functions: avg(
      summaries.map((s) => s.functions),
      (r) => `${r.function}\t${r.where}`,
    ),
    groups: avg(
      summaries.map((s) => s.groups),
      (r) => r.group,
    ),
  };
}
