// Task-type files: parse, validate with file:line, resolve `extends`. The TOML parser is
// loaded on first use: the bundled types come parsed at build time (dist/task-types.json).
import { KEEP_OUTPUT, type FileSpec, type KeepOutput, type TaskTypeField, type TaskTypeInfo, type TypeLoadError } from '../protocol/model.js';
import { ENV_NAME } from '../protocol/methods.js';
import { parseDuration } from './duration.js';
import { formatRateLimit, parseRateLimit, weightProblem, type RateLimit } from './dispatch.js';
import { checkHookTemplate, HOOK_NAMES, type HookSet } from './hooks.js';
import { commandShell, executorListShell, PROGRAM, unknownExecutor } from './executor.js';
import { safeRelativePath } from './relpath.js';
import { tomlParser } from './toml.js';
import { placementProblems, scan, TemplateError } from './template.js';

export { safeRelativePath };

export const DEFAULT_TIMEOUT = 3600;
export const TYPE_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;

/** What one file says, before `extends` is applied. Absent fields are inherited or defaulted. */
export interface TypeDraft {
  name: string;
  source: string;
  description?: string;
  documentation?: string;
  tags?: string[];
  /** A program name, or [PROGRAM, ARGS…]. */
  executor?: string | string[];
  command?: string;
  keepOutput?: KeepOutput;
  user?: string;
  group?: string;
  timeout?: number;
  retries?: number;
  retryBackoff?: number;
  priority?: number;
  maxConcurrent?: number;
  rateLimit?: RateLimit;
  /** Fair share between types among equal priority (default 1). */
  weight?: number;
  cwd?: string;
  files?: FileSpec[];
  extends?: string;
  combinedOutput?: boolean;
  /** allow_raw: hooks may splice values unquoted. */
  allowRaw?: boolean;
  /** on_success / on_failure / on_finish commands; each is inherited on its own. */
  hooks?: HookSet;
  environment: { default: TaskTypeField[]; required: TaskTypeField[]; optional: TaskTypeField[] };
}

const KNOWN = new Set([
  'description',
  'documentation',
  'tags',
  'executor',
  'command',
  'timeout',
  'retries',
  'retry_backoff',
  'priority',
  'max_concurrent',
  'rate_limit',
  'weight',
  'cwd',
  'files',
  'extends',
  'environment',
  'combined_output',
  'allow_raw',
  'keep_output',
  'user',
  'group',
  ...HOOK_NAMES,
]);

/** A user or group name as type files may give them. */
export const ACCOUNT_NAME = /^[A-Za-z_][A-Za-z0-9_.-]*\$?$/;

/** Whether a user or group exists (the daemon passes one that reads the system's; pure code never looks). */
export type AccountLookup = (kind: 'user' | 'group', name: string) => boolean;

export class TypeFileError extends Error {
  constructor(readonly errors: TypeLoadError[]) {
    super(errors.map(formatLoadError).join('\n'));
  }
}

export function formatLoadError(e: TypeLoadError): string {
  return `${e.file}${e.line ? `:${e.line}` : ''}: ${e.message}`;
}

/** The line on which `key = …` (or `[key]`, `[[key]]`) first appears, for error messages. */
function lineOf(text: string, key: string, nth = 0): number | undefined {
  // Keys may be quoted TOML keys with any character; [ \t]* so a blank line before does not count.
  const k = key.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const re = new RegExp(`^[ \\t]*(?:["']?${k}["']?[ \\t]*=|\\[\\[?[ \\t]*${k}[ \\t]*\\]\\]?)`, 'gm');
  let m: RegExpExecArray | null;
  let i = 0;
  while ((m = re.exec(text)) !== null) {
    if (i++ === nth) return text.slice(0, m.index).split('\n').length;
  }
  return undefined;
}

/** Parse one task-type file. Throws TypeFileError with every problem found. */
export function parseTypeFile(name: string, source: string, text: string, accounts?: AccountLookup): TypeDraft {
  let doc: Record<string, unknown>;
  try {
    doc = tomlParser().parse(text) as Record<string, unknown>;
  } catch (err) {
    const e = err as { line?: number; col?: number; message: string };
    const first = e.message.split('\n')[0]!;
    throw new TypeFileError([
      { file: source, ...(e.line !== undefined ? { line: e.line + 1 } : {}), message: `invalid TOML: ${first.replace(/ at row \d+, col \d+, pos \d+:?$/, '')}` },
    ]);
  }
  return typeFromDoc(name, source, doc, text, accounts);
}

/** A type given as JSON (the fields of a TOML file, as one object): `types add`, `types export --format json`. */
export function parseTypeJson(name: string, source: string, text: string, accounts?: AccountLookup): TypeDraft {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new TypeFileError([{ file: source, message: `invalid JSON: ${(err as Error).message}` }]);
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new TypeFileError([{ file: source, message: 'a type in JSON must be an object of its fields' }]);
  return typeFromDoc(name, source, doc as Record<string, unknown>, '', accounts);
}

/** Either format: JSON when it looks like a JSON object, else TOML. */
export function parseTypeText(name: string, source: string, text: string, accounts?: AccountLookup): TypeDraft {
  return text.trimStart().startsWith('{') ? parseTypeJson(name, source, text, accounts) : parseTypeFile(name, source, text, accounts);
}

/**
 * A type from its parsed document (what TOML.parse of the file TEXT gave), checked as parseTypeFile
 * checks it; TEXT only gives errors their line numbers. The bundled types load this way from the
 * build's parse of them.
 */
export function typeFromDoc(name: string, source: string, doc: Record<string, unknown>, text: string, accounts?: AccountLookup): TypeDraft {
  const errors: TypeLoadError[] = [];
  const bad = (field: string, message: string, line = lineOf(text, field.split('.').pop()!)) =>
    errors.push({ file: source, ...(line ? { line } : {}), message: `${field}: ${message}` });

  if (!TYPE_NAME.test(name)) bad('name', `the file name "${name}" is not a valid type name (letters, digits, _ . -)`, undefined);
  for (const k of Object.keys(doc)) if (!KNOWN.has(k)) bad(k, `unknown field (known: ${[...KNOWN].join(', ')})`);

  const draft: TypeDraft = { name, source, environment: { default: [], required: [], optional: [] } };
  const str = (k: string, into: keyof TypeDraft) => {
    if (doc[k] === undefined) return;
    if (typeof doc[k] !== 'string') bad(k, 'must be a string');
    else (draft as unknown as Record<string, unknown>)[into] = doc[k];
  };
  const num = (k: string, into: keyof TypeDraft, min: number, max: number) => {
    if (doc[k] === undefined) return;
    const v = doc[k];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) bad(k, `must be a whole number from ${min} to ${max}`);
    else (draft as unknown as Record<string, unknown>)[into] = v;
  };
  str('description', 'description');
  str('documentation', 'documentation');
  if (!Array.isArray(doc.executor)) str('executor', 'executor');
  str('command', 'command');
  str('cwd', 'cwd');
  str('extends', 'extends');
  num('timeout', 'timeout', 0, 10 * 365 * 86400);
  num('retries', 'retries', 0, 1000);
  num('priority', 'priority', -1000000, 1000000);
  num('max_concurrent', 'maxConcurrent', 0, 100000);
  if (doc.rate_limit !== undefined) {
    const r = parseRateLimit(doc.rate_limit);
    if (typeof r === 'string') bad('rate_limit', r);
    else draft.rateLimit = r;
  }
  if (doc.weight !== undefined) {
    const problem = weightProblem(doc.weight);
    if (problem) bad('weight', problem);
    else draft.weight = doc.weight as number;
  }
  if (doc.combined_output !== undefined) {
    if (typeof doc.combined_output !== 'boolean') bad('combined_output', 'must be true or false');
    else draft.combinedOutput = doc.combined_output;
  }
  if (doc.allow_raw !== undefined) {
    if (typeof doc.allow_raw !== 'boolean') bad('allow_raw', 'must be true or false');
    else draft.allowRaw = doc.allow_raw;
  }
  for (const h of HOOK_NAMES) {
    if (doc[h] === undefined) continue;
    const problem = typeof doc[h] === 'string' ? checkHookTemplate(doc[h], draft.allowRaw === true) : 'must be a command (a string)';
    if (problem) bad(h, problem);
    else (draft.hooks ??= {})[h] = doc[h] as string;
  }
  if (doc.executor !== undefined && typeof doc.executor === 'string' && !PROGRAM.test(doc.executor)) {
    bad('executor', 'must be a program name or path without spaces or shell characters');
  } else if (typeof doc.executor === 'string' && unknownExecutor(doc.executor)) bad('executor', unknownExecutor(doc.executor)!);
  else if (Array.isArray(doc.executor)) {
    const r = executorListShell(doc.executor);
    if ('problem' in r) bad('executor', r.problem);
    else draft.executor = doc.executor as string[];
  }
  if (doc.keep_output !== undefined) {
    if (typeof doc.keep_output !== 'string' || !(KEEP_OUTPUT as readonly string[]).includes(doc.keep_output))
      bad('keep_output', `must be one of ${KEEP_OUTPUT.map((k) => `"${k}"`).join(', ')}`);
    else draft.keepOutput = doc.keep_output as KeepOutput;
  }
  for (const kind of ['user', 'group'] as const) {
    const v = doc[kind];
    if (v === undefined) continue;
    if (typeof v !== 'string' || !ACCOUNT_NAME.test(v)) bad(kind, `must be a ${kind} name (letters, digits, _ . -)`);
    else if (accounts && !accounts(kind, v)) bad(kind, `no ${kind} named "${v}" on this machine (getent ${kind === 'user' ? 'passwd' : 'group'} ${v} finds none)`);
    else draft[kind] = v;
  }
  if (doc.group !== undefined && doc.user === undefined) bad('group', 'needs a user: set user = "NAME" too (group alone changes nothing)');
  if (doc.retry_backoff !== undefined) {
    const ms = typeof doc.retry_backoff === 'string' || typeof doc.retry_backoff === 'number' ? parseDuration(doc.retry_backoff) : undefined;
    if (ms === undefined) bad('retry_backoff', 'must be a duration such as "10s", "1m30s" or a number of seconds');
    else draft.retryBackoff = ms;
  }
  if (doc.tags !== undefined) {
    if (!Array.isArray(doc.tags) || !doc.tags.every((t) => typeof t === 'string' && /^[A-Za-z0-9_.:+-]+$/.test(t)))
      bad('tags', 'must be a list of tags (letters, digits, _ . : + -)');
    else draft.tags = doc.tags as string[];
  }
  if (doc.files !== undefined) {
    const files = Array.isArray(doc.files) ? doc.files : [doc.files];
    draft.files = [];
    files.forEach((f, i) => {
      const line = lineOf(text, 'files', i);
      if (typeof f !== 'object' || f === null || typeof (f as FileSpec).name !== 'string' || typeof (f as FileSpec).content !== 'string') {
        bad(`files[${i}]`, 'each file needs a name and a content string', line);
        return;
      }
      const fname = (f as FileSpec).name;
      if (!safeRelativePath(fname)) bad(`files[${i}].name`, `"${fname}" must be a relative path inside the task directory (no .., no leading /)`, line);
      else draft.files!.push({ name: fname, content: (f as FileSpec).content });
    });
  }
  if (doc.environment !== undefined) {
    const envDoc = doc.environment as Record<string, unknown>;
    if (typeof envDoc !== 'object' || envDoc === null || Array.isArray(envDoc)) bad('environment', 'must be a table with default, required and optional lists');
    else {
      for (const k of Object.keys(envDoc)) {
        if (k !== 'default' && k !== 'required' && k !== 'optional') {
          bad(`environment.${k}`, 'unknown section (use [[environment.default]], [[environment.required]] or [[environment.optional]])', lineOf(text, `environment.${k}`));
          continue;
        }
        const list = envDoc[k];
        if (!Array.isArray(list)) {
          bad(`environment.${k}`, `must be a list of entries: write [[environment.${k}]]`, lineOf(text, `environment.${k}`));
          continue;
        }
        list.forEach((entry: Record<string, unknown>, i: number) => {
          const line = lineOf(text, `environment.${k}`, i);
          if (typeof entry.name !== 'string' || !ENV_NAME.test(entry.name)) return bad(`environment.${k}[${i}].name`, 'must be an environment variable name', line);
          if (k === 'default' && typeof entry.value !== 'string') {
            return bad(`environment.default[${i}].value`, `${entry.name} needs a string value (quote numbers: value = "3")`, line);
          }
          if (entry.description !== undefined && typeof entry.description !== 'string') return bad(`environment.${k}[${i}].description`, 'must be a string', line);
          const extra = Object.keys(entry).filter((x) => x !== 'name' && x !== 'value' && x !== 'description');
          if (extra.length) return bad(`environment.${k}[${i}]`, `unknown field ${extra.join(', ')}`, line);
          draft.environment[k].push({
            name: entry.name,
            ...(typeof entry.value === 'string' ? { value: entry.value } : {}),
            ...(typeof entry.description === 'string' ? { description: entry.description } : {}),
          });
        });
      }
    }
  }
  if (draft.command !== undefined) {
    try {
      scan(draft.command);
    } catch (err) {
      if (!(err instanceof TemplateError)) throw err;
      const base = lineOf(text, 'command') ?? 0;
      bad('command', err.message, base + (text.split('\n')[base - 1]?.match(/=\s*(?:'''|""")\s*$/) ? err.line : err.line - 1));
    }
  }
  if (errors.length) throw new TypeFileError(errors);
  return draft;
}

/** Apply `extends` chains and defaults. `lookup` returns other drafts by name. */
export function resolveType(draft: TypeDraft, lookup: (name: string) => TypeDraft | undefined): TaskTypeInfo {
  const chain: TypeDraft[] = [draft];
  const seen = new Set([draft.name]);
  for (let cur = draft; cur.extends !== undefined;) {
    const parent = lookup(cur.extends);
    if (!parent) throw new TypeFileError([{ file: draft.source, message: `extends: no task type named "${cur.extends}"` }]);
    if (seen.has(parent.name)) throw new TypeFileError([{ file: draft.source, message: `extends: cycle through ${[...seen, parent.name].join(' → ')}` }]);
    seen.add(parent.name);
    chain.push(parent);
    cur = parent;
  }
  const pick = <K extends keyof TypeDraft>(k: K): TypeDraft[K] | undefined => chain.find((d) => d[k] !== undefined)?.[k];
  const command = pick('command');
  if (command === undefined) throw new TypeFileError([{ file: draft.source, message: 'command: missing (every type needs a command, its own or inherited with extends)' }]);
  const exec = pick('executor') ?? 'bash';
  const [executor, executorArgs] = Array.isArray(exec) ? [exec[0]!, exec.slice(1)] : [exec, undefined];
  const shell = commandShell(executor, executorArgs);
  const placement = placementProblems(command, shell);
  if (placement.length) throw new TypeFileError(placement.map((e) => ({ file: draft.source, message: `command (executor ${shell}): ${e.message}` })));
  const env = { default: new Map<string, TaskTypeField>(), required: new Map<string, TaskTypeField>(), optional: new Map<string, TaskTypeField>() };
  for (const d of chain.slice().reverse()) {
    for (const sec of ['default', 'required', 'optional'] as const) {
      for (const f of d.environment[sec]) {
        for (const other of Object.values(env)) other.delete(f.name);
        env[sec].set(f.name, f);
      }
    }
  }
  const info: TaskTypeInfo = {
    name: draft.name,
    description: pick('description') ?? '',
    source: draft.source,
    tags: [...new Set(chain.flatMap((d) => d.tags ?? []))],
    executor,
    command,
    timeout: pick('timeout') ?? DEFAULT_TIMEOUT,
    retries: pick('retries') ?? 0,
    retryBackoff: pick('retryBackoff') ?? 10_000,
    priority: pick('priority') ?? 0,
    maxConcurrent: pick('maxConcurrent') ?? 0,
    keepOutput: pick('keepOutput') ?? 'always',
    files: pick('files') ?? [],
    combinedOutput: pick('combinedOutput') ?? false,
    environment: { default: [...env.default.values()], required: [...env.required.values()], optional: [...env.optional.values()] },
    warnings: typeWarnings(command, env, pick('description')),
  };
  const cwd = pick('cwd');
  if (cwd !== undefined) info.cwd = cwd;
  const rateLimit = pick('rateLimit');
  if (rateLimit !== undefined) info.rateLimit = rateLimit;
  const weight = pick('weight');
  if (weight !== undefined) info.weight = weight;
  if (executorArgs !== undefined) info.executorArgs = executorArgs;
  // user and group go together: a child's user does not take its parent's group.
  const owner = chain.find((d) => d.user !== undefined);
  if (owner) {
    info.user = owner.user!;
    if (owner.group !== undefined) info.group = owner.group;
  }
  const hooks: HookSet = {};
  for (const h of HOOK_NAMES) {
    const v = chain.find((d) => d.hooks?.[h] !== undefined)?.hooks?.[h];
    if (v !== undefined) hooks[h] = v;
  }
  if (Object.keys(hooks).length) info.hooks = hooks;
  if (pick('allowRaw')) info.allowRaw = true;
  if (draft.extends !== undefined) info.extends = draft.extends;
  return info;
}

/**
 * A resolved type as the fields of a type file: every setting explicit, `extends` already
 * applied, so it stands alone. `typeToToml` and JSON.stringify write it; `types add` reads either.
 */
export function typeToDoc(t: TaskTypeInfo): Record<string, unknown> {
  const doc: Record<string, unknown> = {};
  if (t.description) doc.description = t.description;
  doc.executor = t.executorArgs ? [t.executor, ...t.executorArgs] : t.executor;
  if (t.tags.length) doc.tags = t.tags;
  doc.command = t.command;
  doc.timeout = t.timeout;
  doc.retries = t.retries;
  doc.retry_backoff = t.retryBackoff % 1000 === 0 ? `${t.retryBackoff / 1000}s` : `${t.retryBackoff}ms`;
  doc.priority = t.priority;
  doc.max_concurrent = t.maxConcurrent;
  if (t.rateLimit) doc.rate_limit = formatRateLimit(t.rateLimit);
  if (t.weight !== undefined) doc.weight = t.weight;
  if (t.keepOutput !== 'always') doc.keep_output = t.keepOutput;
  if (t.user !== undefined) doc.user = t.user;
  if (t.group !== undefined) doc.group = t.group;
  if (t.cwd !== undefined) doc.cwd = t.cwd;
  if (t.combinedOutput) doc.combined_output = true;
  if (t.allowRaw) doc.allow_raw = true;
  for (const h of HOOK_NAMES) if (t.hooks?.[h] !== undefined) doc[h] = t.hooks[h];
  if (t.files.length) doc.files = t.files.map((f) => ({ name: f.name, content: f.content }));
  const env: Record<string, unknown> = {};
  for (const k of ['default', 'required', 'optional'] as const) if (t.environment[k].length) env[k] = t.environment[k].map((f) => ({ ...f }));
  if (Object.keys(env).length) doc.environment = env;
  return doc;
}

/** A TOML string: multi-line literal for readable commands where that is exact, else a basic string. */
function tomlString(v: string): string {
  // eslint-disable-next-line no-control-regex -- control characters are what this test looks for
  if (v.includes('\n') && !v.includes("'''") && !v.endsWith("'") && !/[\x00-\x08\x0b-\x1f\x7f]/.test(v)) return `'''\n${v}'''`;
  return JSON.stringify(v)
    .replace(/\x7f/g, '\\u007f')
    .replace(/[\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16)}`);
}

function tomlValue(v: unknown): string {
  if (typeof v === 'string') return tomlString(v);
  if (Array.isArray(v)) return `[${v.map(tomlValue).join(', ')}]`;
  return String(v);
}

/** typeToDoc as a TOML file, fields in the order docs/task-types.md lists them. */
export function typeToToml(t: TaskTypeInfo, header?: string): string {
  const { files, environment, ...top } = typeToDoc(t) as { files?: FileSpec[]; environment?: Record<string, TaskTypeField[]> } & Record<string, unknown>;
  const out: string[] = header ? [...header.split('\n').map((l) => `# ${l}`.trimEnd()), ''] : [];
  for (const [k, v] of Object.entries(top)) out.push(`${k} = ${tomlValue(v)}`);
  for (const f of files ?? []) out.push('', '[[files]]', `name = ${tomlString(f.name)}`, `content = ${tomlString(f.content)}`);
  for (const [k, list] of Object.entries(environment ?? {})) {
    for (const f of list) {
      out.push('', `[[environment.${k}]]`, `name = ${tomlString(f.name)}`);
      if (f.value !== undefined) out.push(`value = ${tomlString(f.value)}`);
      if (f.description !== undefined) out.push(`description = ${tomlString(f.description)}`);
    }
  }
  return out.join('\n') + '\n';
}

function typeWarnings(command: string, env: Record<'default' | 'required' | 'optional', Map<string, TaskTypeField>>, description: string | undefined): string[] {
  const warnings: string[] = [];
  const declared = new Set([...env.default.keys(), ...env.required.keys(), ...env.optional.keys()]);
  for (const use of scan(command)) {
    if (use.mode === 'go') {
      warnings.push(
        `command line ${use.line}: {{.${use.name}}} inserts ${use.name} unquoted (Go blanket's meaning); write {{${use.name}}} to have it passed safely (as a reference to a variable that holds it), or {{raw ${use.name}}} to say that unquoted is meant`,
      );
    }
    if (!declared.has(use.name) && !use.name.startsWith('BLANKET_APP_')) {
      warnings.push(`command uses ${use.name}, which the environment does not declare: tasks must pass -e ${use.name}=…`);
    }
    if (use.mode === 'raw' && !/\braw\b|unquoted/i.test(description ?? '')) {
      warnings.push(`command splices ${use.name} unquoted ({{raw ${use.name}}}); say so in the description so users know values are run as shell code`);
    }
  }
  return [...new Set(warnings)];
}
