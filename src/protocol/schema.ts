// A small runtime validator whose schemas also give the static types, so
// the one method table is both the contract and its check.

export class SchemaError extends Error {
  constructor(
    readonly path: string,
    readonly expected: string,
    readonly got: unknown,
  ) {
    super(`${path || 'params'}: expected ${expected}, got ${describeValue(got)}`);
  }
}

export interface Schema<T> {
  readonly expected: string;
  parse(value: unknown, path?: string): T;
}

export type Infer<S> = S extends Schema<infer T> ? T : never;

function describeValue(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return v.length > 40 ? `a string of ${v.length} characters` : JSON.stringify(v);
  if (typeof v === 'object') return 'an object';
  return `${typeof v} ${String(v)}`;
}

function schema<T>(expected: string, parse: (v: unknown, path: string) => T): Schema<T> {
  return { expected, parse: (v, path = '') => parse(v, path) };
}

export function str(opts: { max?: number; min?: number; pattern?: RegExp; what?: string } = {}): Schema<string> {
  const max = opts.max ?? 65536;
  const expected = opts.what ?? `a string${opts.pattern ? ` matching ${opts.pattern}` : ''}`;
  return schema(expected, (v, path) => {
    if (typeof v !== 'string' || v.length > max || v.length < (opts.min ?? 0)) throw new SchemaError(path, `${expected} of ${opts.min ?? 0}..${max} characters`, v);
    if (opts.pattern && !opts.pattern.test(v)) throw new SchemaError(path, expected, v);
    return v;
  });
}

export function int(opts: { min?: number; max?: number } = {}): Schema<number> {
  const min = opts.min ?? Number.MIN_SAFE_INTEGER;
  const max = opts.max ?? Number.MAX_SAFE_INTEGER;
  const expected = `an integer in ${min}..${max}`;
  return schema(expected, (v, path) => {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) throw new SchemaError(path, expected, v);
    return v;
  });
}

export function num(opts: { min?: number; max?: number } = {}): Schema<number> {
  const min = opts.min ?? -Infinity;
  const max = opts.max ?? Infinity;
  const expected = `a number in ${min}..${max}`;
  return schema(expected, (v, path) => {
    if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) throw new SchemaError(path, expected, v);
    return v;
  });
}

export const bool: Schema<boolean> = schema('a boolean', (v, path) => {
  if (typeof v !== 'boolean') throw new SchemaError(path, 'a boolean', v);
  return v;
});

export function literal<const L extends readonly string[]>(...values: L): Schema<L[number]> {
  const expected = `one of ${values.map((x) => JSON.stringify(x)).join(', ')}`;
  return schema(expected, (v, path) => {
    if (typeof v !== 'string' || !values.includes(v)) throw new SchemaError(path, expected, v);
    return v as L[number];
  });
}

export function arr<T>(item: Schema<T>, opts: { max?: number; min?: number } = {}): Schema<T[]> {
  const max = opts.max ?? 10000;
  const min = opts.min ?? 0;
  const expected = `an array of ${min}..${max} × ${item.expected}`;
  return schema(expected, (v, path) => {
    if (!Array.isArray(v) || v.length > max || v.length < min) throw new SchemaError(path, expected, v);
    return v.map((x, i) => item.parse(x, `${path}[${i}]`));
  });
}

/** A string-keyed map; keys must match keyPattern. Built on a null prototype so `__proto__` is just a key. */
export function record<T>(value: Schema<T>, opts: { key?: RegExp; max?: number; what?: string } = {}): Schema<Record<string, T>> {
  const max = opts.max ?? 1000;
  const expected = opts.what ?? `an object of at most ${max} entries`;
  return schema(expected, (v, path) => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new SchemaError(path, expected, v);
    const entries = Object.entries(v);
    if (entries.length > max) throw new SchemaError(path, expected, v);
    const out: Record<string, T> = Object.create(null);
    for (const [k, x] of entries) {
      if (opts.key && !opts.key.test(k)) throw new SchemaError(`${path}.${k}`, `a key matching ${opts.key}`, k);
      out[k] = value.parse(x, `${path}.${k}`);
    }
    return out;
  });
}

export function nullable<T>(s: Schema<T>): Schema<T | null> {
  return schema(`${s.expected} or null`, (v, path) => (v === null ? null : s.parse(v, path)));
}

const OPTIONAL = Symbol('optional');
export interface Optional<T> extends Schema<T | undefined> {
  readonly [OPTIONAL]: true;
}
export function opt<T>(s: Schema<T>): Optional<T> {
  return { [OPTIONAL]: true, expected: `${s.expected} (optional)`, parse: (v, path = '') => (v === undefined ? undefined : s.parse(v, path)) };
}

type Shape = Record<string, Schema<unknown>>;
type OptionalKeys<S extends Shape> = { [K in keyof S]: S[K] extends Optional<unknown> ? K : never }[keyof S];
type RequiredKeys<S extends Shape> = Exclude<keyof S, OptionalKeys<S>>;
export type ObjOf<S extends Shape> = { [K in RequiredKeys<S>]: Infer<S[K]> } & { [K in OptionalKeys<S>]?: Exclude<Infer<S[K]>, undefined> };

/** A strict object: unknown keys are refused, so a typo in a field name is an error, not silence. */
export function obj<S extends Shape>(shape: S): Schema<Simplify<ObjOf<S>>> {
  const keys = Object.keys(shape);
  const expected = `an object with ${keys.length ? keys.join(', ') : 'no fields'}`;
  return schema(expected, (v, path) => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new SchemaError(path, expected, v);
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v)) {
      if (!Object.hasOwn(shape, k)) throw new SchemaError(path ? `${path}.${k}` : k, `no such field (allowed: ${keys.join(', ') || 'none'})`, (v as Record<string, unknown>)[k]);
    }
    for (const k of keys) {
      const x = shape[k]!.parse((v as Record<string, unknown>)[k], path ? `${path}.${k}` : k);
      if (x !== undefined) out[k] = x;
    }
    return out as Simplify<ObjOf<S>>;
  });
}

type Simplify<T> = { [K in keyof T]: T[K] } & {};

/** Anything JSON; used for results, which the daemon itself produces. */
export function any<T>(): Schema<T> {
  return schema('any value', (v) => v as T);
}
