// Dispatch policy: which runnable task a claim takes. Pure: a store finds the candidates (the head
// of each queue group whose tags the worker has) and applies these rules to them, so every backend
// dispatches alike. Rules, in order: max_concurrent and rate_limit hold a type back; higher
// priority wins; among equal priority, weighted fair share between labels, then between types
// (a stride scheduler: the least served per weight goes next); then the oldest.
import type { Task } from '../protocol/model.js';
import { formatDuration, parseDuration } from './duration.js';

/** At most `count` tasks of a type start (are claimed) in any window of `windowMs`. */
export interface RateLimit {
  count: number;
  windowMs: number;
}

/** The most starts a rate limit may count: the store keeps that many start times per type. */
export const MAX_RATE_COUNT = 10_000;
export const MAX_WEIGHT = 1_000_000;

/** "10/1m" → a RateLimit, or the problem as text. */
export function parseRateLimit(v: unknown): RateLimit | string {
  const m = typeof v === 'string' ? /^\s*(\d+)\s*\/\s*(\S+)\s*$/.exec(v) : null;
  if (!m) return 'must be "N/DURATION", e.g. "10/1m" (at most 10 tasks start in any minute)';
  const count = Number(m[1]);
  if (!Number.isInteger(count) || count < 1 || count > MAX_RATE_COUNT) return `the count must be a whole number from 1 to ${MAX_RATE_COUNT} (got ${m[1]})`;
  const windowMs = parseDuration(m[2]!);
  if (windowMs === undefined || windowMs < 1) return `the window must be a duration longer than zero, such as "30s", "1m" or "1h" (got "${m[2]}")`;
  return { count, windowMs };
}

export function formatRateLimit(r: RateLimit): string {
  return `${r.count}/${r.windowMs % 1000 === 0 && r.windowMs < 60_000 ? `${r.windowMs / 1000}s` : formatDuration(r.windowMs)}`;
}

/** A weight (types' `weight`, `[labels.NAME] weight`): a number above zero. Returns the problem, if any. */
export function weightProblem(v: unknown): string | undefined {
  return typeof v === 'number' && Number.isFinite(v) && v > 0 && v <= MAX_WEIGHT ? undefined : `must be a number above 0 and at most ${MAX_WEIGHT} (1 is the default share)`;
}

/** What the daemon's configuration says about dispatch: read at each claim, so edits apply to queued tasks. */
export interface DispatchPolicy {
  rateLimits: Readonly<Record<string, RateLimit>>;
  typeWeights: Readonly<Record<string, number>>;
  labelWeights: Readonly<Record<string, number>>;
}

export const NO_POLICY: DispatchPolicy = { rateLimits: {}, typeWeights: {}, labelWeights: {} };

/** The policy the task types (rate_limit, weight) and config.toml's [labels.NAME] weight make. */
export function policyOf(types: ReadonlyArray<{ name: string; rateLimit?: RateLimit; weight?: number }>, labels: Readonly<Record<string, { weight: number }>>): DispatchPolicy {
  const rateLimits: Record<string, RateLimit> = {};
  const typeWeights: Record<string, number> = {};
  for (const t of types) {
    if (t.rateLimit) rateLimits[t.name] = t.rateLimit;
    if (t.weight !== undefined) typeWeights[t.name] = t.weight;
  }
  return { rateLimits, typeWeights, labelWeights: Object.fromEntries(Object.entries(labels).map(([k, v]) => [k, v.weight])) };
}

/** A runnable task a claim could take: the head of one queue group. Ids sort by creation, so the id is its age. */
export interface Candidate {
  id: string;
  type: string;
  label?: string | undefined;
  priority: number;
  maxConcurrent: number;
}

export function candidateOf(t: Task): Candidate {
  return { id: t.id, type: t.type, ...(t.label !== undefined ? { label: t.label } : {}), priority: t.priority, maxConcurrent: t.maxConcurrent };
}

/**
 * When a type held back by its rate limit may start again, or undefined when it may start now.
 * `starts`: the claim times the store kept for the type (oldest first). A sliding window: a
 * claim at `now` is allowed while fewer than `count` claims happened in (now - window, now].
 */
export function rateLimitedUntil(starts: readonly number[] | undefined, limit: RateLimit | undefined, now: number): number | undefined {
  if (!limit || !starts || starts.length < limit.count) return undefined;
  const inWindow = starts.filter((t) => t > now - limit.windowMs);
  if (inWindow.length < limit.count) return undefined;
  return inWindow[inWindow.length - limit.count]! + limit.windowMs;
}

/** Of these types (those with runnable tasks), the ones held back by their rate limit, with when they may start again. */
export function rateLimitedTypes(types: Iterable<string>, starts: ReadonlyMap<string, readonly number[]>, policy: DispatchPolicy, now: number): Record<string, number> {
  const out: Record<string, number> = {};
  for (const type of types) {
    const until = rateLimitedUntil(starts.get(type), policy.rateLimits[type], now);
    if (until !== undefined) out[type] = until;
  }
  return out;
}

/** How ps, top and show say it: "rate limited until 12:01:30" (local time; the date too when not today). */
export function rateLimitedText(until: number, now: number): string {
  const d = new Date(until);
  const pad = (n: number) => String(n).padStart(2, '0');
  const day = new Date(now).toDateString() === d.toDateString() ? '' : `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} `;
  return `rate limited until ${day}${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** The start times to keep after a claim at `now`: the last `count` (all the window can need). */
export function recordStart(starts: readonly number[] | undefined, limit: RateLimit, now: number): number[] {
  return [...(starts ?? []).filter((t) => t > now - limit.windowMs), now].slice(-limit.count);
}

/** One level of fair share (labels, or types): each key's pass, and the pass of the last pick. */
export interface Stride {
  vtime: number;
  pass: Map<string, number>;
}

/** Fair-share state. In memory: it only orders equal-priority work, and starting level after a restart is fair too. */
export interface FairShare {
  labels: Stride;
  types: Stride;
}

export function newFairShare(): FairShare {
  return { labels: { vtime: 0, pass: new Map() }, types: { vtime: 0, pass: new Map() } };
}

/** A task without a label shares as the label "". */
const labelKey = (c: Pick<Candidate, 'label'>): string => c.label ?? '';

/** A key's pass, never below the level's virtual time: an idle key gets no credit to burst with when it returns. */
function passOf(s: Stride, key: string): number {
  return Math.max(s.pass.get(key) ?? s.vtime, s.vtime);
}

export interface DispatchView {
  policy: DispatchPolicy;
  /** Tasks of each type claimed or running. */
  active: ReadonlyMap<string, number>;
  /** Claim times kept for each rate-limited type, oldest first. */
  starts: ReadonlyMap<string, readonly number[]>;
  fair: FairShare;
  now: number;
}

export interface Ranked {
  /** The candidates a claim may take, best first. */
  order: Candidate[];
  /** Types held back by their rate limit, with when they may start again. */
  rateLimited: Record<string, number>;
}

/** Order the candidates by the rules above; leave out those their type holds back. */
export function rankCandidates(cands: readonly Candidate[], v: DispatchView): Ranked {
  const rateLimited: Record<string, number> = {};
  const open: Candidate[] = [];
  for (const c of cands) {
    if (c.maxConcurrent > 0 && (v.active.get(c.type) ?? 0) >= c.maxConcurrent) continue;
    const until = rateLimitedUntil(v.starts.get(c.type), v.policy.rateLimits[c.type], v.now);
    if (until !== undefined) {
      rateLimited[c.type] = until;
      continue;
    }
    open.push(c);
  }
  const key = (c: Candidate) => ({ label: passOf(v.fair.labels, labelKey(c)), type: passOf(v.fair.types, c.type) });
  const keys = new Map(open.map((c) => [c, key(c)]));
  open.sort((a, b) => {
    if (a.priority !== b.priority) return b.priority - a.priority;
    const ka = keys.get(a)!;
    const kb = keys.get(b)!;
    if (ka.label !== kb.label) return ka.label - kb.label;
    if (ka.type !== kb.type) return ka.type - kb.type;
    return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
  });
  return { order: open, rateLimited };
}

const weightOf = (w: number | undefined): number => (w !== undefined && w > 0 ? w : 1);

/** Charge a claim to its label and type (the state changes in place; it is the store's, in memory). */
export function chargeClaim(fair: FairShare, c: Pick<Candidate, 'type' | 'label'>, policy: DispatchPolicy): void {
  charge(fair.labels, labelKey(c), weightOf(policy.labelWeights[labelKey(c)]));
  charge(fair.types, c.type, weightOf(policy.typeWeights[c.type]));
}

function charge(s: Stride, key: string, weight: number): void {
  const at = passOf(s, key);
  s.vtime = at;
  s.pass.set(key, at + 1 / weight);
  // Keys at or below the virtual time are the same as absent: forget them so the map stays small.
  if (s.pass.size > 1000) for (const [k, p] of s.pass) if (p <= s.vtime) s.pass.delete(k);
}
