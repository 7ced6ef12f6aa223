// Command templates. `{{NAME}}` inserts the value quoted for the executor,
// `{{raw NAME}}` splices it as is, and Go blanket's `{{.NAME}}` keeps Go
// blanket's meaning (unquoted) so its type files run unchanged.

export type Use = { name: string; mode: 'quoted' | 'raw' | 'go'; line: number };

export class TemplateError extends Error {
  constructor(message: string, readonly line: number) {
    super(message);
  }
}

const TAG = /\{\{\s*(.*?)\s*\}\}/g;
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Every variable a template uses, in order. Throws TemplateError on a tag it does not understand. */
export function scan(template: string): Use[] {
  const uses: Use[] = [];
  for (const m of template.matchAll(TAG)) {
    const line = template.slice(0, m.index).split('\n').length;
    const inner = m[1]!;
    let use: Use | undefined;
    if (inner.startsWith('.') && NAME.test(inner.slice(1))) use = { name: inner.slice(1), mode: 'go', line };
    else if (/^raw\s+/.test(inner) && NAME.test(inner.replace(/^raw\s+/, ''))) use = { name: inner.replace(/^raw\s+/, ''), mode: 'raw', line };
    else if (NAME.test(inner)) use = { name: inner, mode: 'quoted', line };
    if (!use) {
      throw new TemplateError(`template tag {{${inner}}} is not understood: use {{NAME}} (quoted), {{raw NAME}} (unquoted) or {{.NAME}} (Go blanket, unquoted)`, line);
    }
    uses.push(use);
  }
  return uses;
}

/**
 * Render a template. `vars` holds every value known; a `{{NAME}}` or `{{raw NAME}}` whose
 * value is missing is an error (the type must declare it), a missing `{{.NAME}}` renders empty
 * as Go blanket's did with an unset key.
 */
export function render(template: string, vars: Record<string, string>, executor: string): string {
  scan(template); // validate every tag first
  return template.replace(TAG, (_all, inner: string) => {
    if (inner.startsWith('.')) return Object.hasOwn(vars, inner.slice(1)) ? vars[inner.slice(1)]! : '';
    // `raw` only as a keyword: {{rawdata}} is a variable named rawdata, and quoted.
    const raw = /^raw\s+/.test(inner);
    const name = raw ? inner.replace(/^raw\s+/, '') : inner;
    if (!Object.hasOwn(vars, name)) throw new TemplateError(`template uses ${name}, which has no value: declare it in the type's environment or pass -e ${name}=…`, 0);
    return raw ? vars[name]! : quoteFor(executor, vars[name]!);
  });
}

export type QuoteStyle = 'posix' | 'fish' | 'python' | 'node' | 'powershell' | 'cmd';

export function quoteStyle(executor: string): QuoteStyle {
  const base = executor.split(/[\\/]/).pop()!.replace(/\.exe$/i, '').toLowerCase();
  if (/^python[0-9.]*$/.test(base) || base === 'pypy3') return 'python';
  if (base === 'node' || base === 'bun' || base === 'deno') return 'node';
  if (base === 'powershell' || base === 'pwsh') return 'powershell';
  if (base === 'cmd') return 'cmd';
  if (base === 'fish') return 'fish';
  return 'posix';
}

/** Quote a value so the executor reads it as one literal string and never runs any part of it. */
export function quoteFor(executor: string, value: string): string {
  switch (quoteStyle(executor)) {
    case 'posix':
      return `'${value.replace(/'/g, `'\\''`)}'`;
    case 'fish':
      return `'${value.replace(/[\\']/g, (c) => `\\${c}`)}'`;
    case 'python':
    case 'node':
      return JSON.stringify(value).replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
    case 'powershell':
      return `'${value.replace(/['\u2018\u2019\u201a\u201b]/g, (c) => c + c)}'`;
    case 'cmd':
      // cmd.exe has no quoting that makes % ! ^ " or line breaks inert; refuse rather than risk running them.
      if (/["%!^\r\n]/.test(value)) throw new TemplateError(`value ${JSON.stringify(value.slice(0, 40))} contains characters cmd cannot quote safely (" % ! ^ or a line break); use {{raw NAME}} if you mean it, or pass it through the environment`, 0);
      return `"${value}"`;
  }
}

/** A command line from argv, each word quoted for a POSIX shell. */
export function shellJoin(argv: string[]): string {
  return argv.map((a) => (/^[A-Za-z0-9_@%+=:,./-]+$/.test(a) ? a : quoteFor('sh', a))).join(' ');
}
