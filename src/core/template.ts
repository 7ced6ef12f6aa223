// Command templates. `{{NAME}}` inserts the value safely for the executor (a reference to it),
// `{{raw NAME}}` splices it as is, and Go blanket's `{{.NAME}}` keeps Go
// blanket's meaning (unquoted) so its type files run unchanged.
import { executorInfo } from './executor.js';
import { MARK, spots, type Syntax } from './syntax.js';

export type Use = { name: string; mode: 'quoted' | 'raw' | 'go'; line: number };

export class TemplateError extends Error {
  constructor(
    message: string,
    readonly line: number,
  ) {
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

/** The environment variable a command's `{{NAME}}` reads: the worker exports it (see templateEnv). */
export const VALUE_PREFIX = 'BLANKET_V_';

export interface RenderOptions {
  /** The environment variable holding a value; it must hold exactly vars[name] when the command runs. */
  alias?: (name: string) => string;
}

/**
 * Render a template. `vars` holds every value known; a `{{NAME}}` or `{{raw NAME}}` whose
 * value is missing is an error (the type must declare it), a missing `{{.NAME}}` renders empty
 * as Go blanket's did with an unset key.
 *
 * `{{NAME}}` never splices the value: it becomes a reference to an environment variable
 * (BLANKET_V_NAME by default), written for the syntax at its spot (see syntax.ts), so no
 * value can run as code whatever quotes surround it. Where no reference is safe it is refused.
 * cmd has no safe reference (%X% is expanded before parsing): there the value is quoted, and
 * characters cmd cannot carry are refused.
 */
export function render(template: string, vars: Record<string, string>, executor: string, opts: RenderOptions = {}): string {
  const alias = opts.alias ?? ((n: string) => VALUE_PREFIX + n);
  const syntax = syntaxOf(executor);
  const { skeleton, quoted } = skeletonOf(template, (n) => (Object.hasOwn(vars, n) ? vars[n] : undefined));
  const found = spots(syntax, skeleton);
  let k = 0;
  // eslint-disable-next-line no-control-regex -- NUL marks where a {{NAME}} stood in the skeleton
  return skeleton.replace(/\u0000/g, () => {
    const use = quoted[k]!;
    const spot = found[k++];
    if (!spot) throw new TemplateError(`line ${use.line}: {{${use.name}}} could not be placed`, use.line);
    if ('refuse' in spot) throw refusal(executor, use, spot.refuse);
    if (syntax === 'cmd') return cmdValue(vars[use.name]!, spot.ctx === 'dquote');
    return reference(syntax as RefSyntax, spot.ctx, alias(use.name));
  });
}

/**
 * Problems with where a command's `{{NAME}}`s sit, found without values (raw ones count as
 * empty): for type loading and `types validate`, so a type that can never render is reported
 * when it is read, not at each submit.
 */
export function placementProblems(template: string, executor: string): TemplateError[] {
  let found: { skeleton: string; quoted: Use[] };
  try {
    found = skeletonOf(template, () => '');
  } catch (err) {
    if (err instanceof TemplateError) return [err];
    throw err;
  }
  const { skeleton, quoted } = found;
  return spots(syntaxOf(executor), skeleton).flatMap((s, k) => {
    const use = quoted[k]!;
    return 'refuse' in s ? [refusal(executor, use, s.refuse)] : [];
  });
}

/**
 * The environment a rendered command's references read: BLANKET_V_NAME for each it mentions,
 * holding exactly the task's NAME (empty when unset, as the template would have inserted).
 */
export function templateEnv(command: string, env: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of command.matchAll(/\bBLANKET_V_([A-Za-z_][A-Za-z0-9_]*)/g)) out[VALUE_PREFIX + m[1]!] = Object.hasOwn(env, m[1]!) ? env[m[1]!]! : '';
  return out;
}

/** The command with raw values spliced and a MARK at each `{{NAME}}`. */
function skeletonOf(template: string, value: (name: string) => string | undefined): { skeleton: string; quoted: Use[] } {
  if (template.includes(MARK)) throw new TemplateError('the command contains a NUL character, which no executor can receive', 0);
  const uses = scan(template); // validates every tag first
  const quoted: Use[] = [];
  let k = 0;
  const skeleton = template.replace(TAG, () => {
    const use = uses[k++]!;
    const v = value(use.name);
    if (use.mode === 'go') return v === undefined ? '' : checkRaw(use, v);
    if (v === undefined) throw new TemplateError(`template uses ${use.name}, which has no value: declare it in the type's environment or pass -e ${use.name}=…`, use.line);
    if (use.mode === 'raw') return checkRaw(use, v);
    quoted.push(use);
    return MARK;
  });
  return { skeleton, quoted };
}

function refusal(executor: string, use: Use, why: string): TemplateError {
  const readEnv = executorInfo(executor)?.readEnv;
  if (readEnv)
    why = `${executor} has no safe way to insert a value into its code: read it from the environment instead (every task variable is exported), e.g. ${readEnv}, or use {{raw NAME}} if you mean the value as code`;
  return new TemplateError(`line ${use.line}: {{${use.name}}}: ${why.replace(/\bNAME\b/g, use.name)}`, use.line);
}

function checkRaw(use: Use, value: string): string {
  if (value.includes(MARK)) throw new TemplateError(`the value of ${use.name} contains a NUL character, which no program can receive`, use.line);
  return value;
}

function syntaxOf(executor: string): Syntax {
  return executorInfo(executor)?.syntax ?? 'posix';
}

type RefSyntax = Exclude<Syntax, 'cmd' | 'none'>;

/** A reference to environment variable `v`, written for context `ctx` of `syntax`. */
export function reference(syntax: RefSyntax, ctx: string, v: string): string {
  switch (syntax) {
    case 'posix':
      // Braces end the name whatever follows; "…" keeps the value one word, unsplit and unglobbed.
      if (ctx === 'dquote' || ctx === 'heredoc') return `\${${v}}`;
      if (ctx === 'squote') return `'"\${${v}}"'`;
      if (ctx === 'ansi') return `'"\${${v}}"$'`;
      return `"\${${v}}"`;
    case 'fish':
      if (ctx === 'dquote') return `""$${v}""`;
      if (ctx === 'squote') return `'"$${v}"'`;
      return `"$${v}"`;
    case 'python':
      return `__import__("os").environ["${v}"]`;
    case 'node':
      return `process.env["${v}"]`;
    case 'powershell':
      return `\${env:${v}}`;
  }
}

/** cmd.exe: the value itself, inside "…"; what cmd cannot carry there is refused. */
function cmdValue(value: string, inQuotes: boolean): string {
  // cmd.exe has no quoting that makes % ! ^ " or line breaks inert; refuse rather than risk running them.
  if (/["%!^\r\n]/.test(value))
    throw new TemplateError(
      `value ${JSON.stringify(value.slice(0, 40))} contains characters cmd cannot quote safely (" % ! ^ or a line break); read it from the environment in a script instead, or use another executor`,
      0,
    );
  return inQuotes ? value : `"${value}"`;
}

/** The syntax `{{NAME}}` is rendered for with this executor (posix for one blanket does not know). */
export function quoteStyle(executor: string): Syntax {
  return syntaxOf(executor);
}

/** Quote a value as one literal word for a POSIX shell (command lines blanket builds itself, e.g. run -- …). */
export function quoteFor(_executor: 'sh', value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** A command line from argv, each word quoted for a POSIX shell. */
export function shellJoin(argv: string[]): string {
  return argv.map((a) => (/^[A-Za-z0-9_@%+=:,./-]+$/.test(a) ? a : quoteFor('sh', a))).join(' ');
}
