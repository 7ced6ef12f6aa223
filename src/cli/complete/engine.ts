// What to offer for a partly typed command line (pure). The words come from
// the shell; the commands, topics and flags from oclif.manifest.json; live
// values (task ids, type names…) are named here as a Source and fetched by live.ts.
import { STATES } from '../../protocol/model.js';

export interface Candidate {
  value: string;
  description?: string;
}

/** The slice of oclif.manifest.json completion reads. */
export interface ManifestFlag {
  name: string;
  char?: string;
  type: 'boolean' | 'option';
  options?: string[];
  multiple?: boolean;
  hidden?: boolean;
  summary?: string;
  description?: string;
}
export interface ManifestCommand {
  id: string;
  hidden?: boolean;
  summary?: string;
  description?: string;
  flags?: Record<string, ManifestFlag>;
  args?: Record<string, { name: string; options?: string[]; description?: string; hidden?: boolean }>;
  strict?: boolean;
}
export interface CompletionSpec {
  commands: Record<string, ManifestCommand>;
  topics: Record<string, { description?: string }>;
}

export type LiveSource =
  /** Task ids: running first, then queued, then the latest finished. */
  | 'tasks-active'
  /** Task ids, newest first. */
  | 'tasks-recent'
  | 'types'
  | 'schedules'
  | 'workers'
  /** Other daemons of the store that `hosts forget` may act on: expired first, then live (not this one, not forgotten ones). */
  | 'hosts'
  /** Ids in the archive, newest archived first. */
  | 'archived';

export type Source = { kind: 'static'; values: Candidate[] } | { kind: 'live'; live: LiveSource } | { kind: 'files' } | { kind: 'dirs' } | { kind: 'none' };

export interface Plan {
  source: Source;
  /** Offer only values that start with this. */
  prefix: string;
  /** Put before every value (the "--flag=" or "A," the shell's word already has). */
  insert: string;
  /** Also let the shell complete file names. */
  files?: boolean;
}

const SIGNALS = ['SIGTERM', 'SIGKILL', 'SIGINT', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2', 'SIGSTOP', 'SIGCONT'];
const words = (...v: string[]): Source => ({ kind: 'static', values: v.map((value) => ({ value })) });
const live = (l: LiveSource): Source => ({ kind: 'live', live: l });

/**
 * What a command's positional arguments take, by command id. Commands not
 * written yet are listed too: the table costs nothing until they exist.
 */
const ARGS: Record<string, Source> = {
  run: live('types'),
  kill: live('tasks-active'),
  logs: live('tasks-active'),
  wait: live('tasks-active'),
  progress: live('tasks-active'),
  show: live('tasks-recent'),
  rm: live('tasks-recent'),
  rerun: live('tasks-recent'),
  'archive:show': live('archived'),
  'archive:restore': live('archived'),
  'archive:rm': live('archived'),
  'types:show': live('types'),
  'types:rm': live('types'),
  'types:export': live('types'),
  'types:validate': live('types'),
  'types:add': { kind: 'files' },
  'schedule:show': live('schedules'),
  'schedule:rm': live('schedules'),
  'schedule:pause': live('schedules'),
  'schedule:resume': live('schedules'),
  'schedule:trigger': live('schedules'),
  'worker:stop': live('workers'),
  'worker:pause': live('workers'),
  'worker:resume': live('workers'),
  'worker:logs': live('workers'),
  'hosts:forget': live('hosts'),
  autocomplete: words('bash', 'zsh', 'fish'),
  'db:backup': { kind: 'files' },
};

/** Commands whose arguments may also be file paths. */
const ARG_FILES = new Set(['types:validate']);

/** What a flag's value takes: "command:flag" first, then the flag name on any command. */
const FLAGS: Record<string, Source> = {
  type: live('types'),
  after: live('tasks-recent'),
  worker: live('workers'),
  schedule: live('schedules'),
  state: words(...STATES),
  'kill:signal': words(...SIGNALS),
  signal: words(...SIGNALS),
  batch: { kind: 'files' },
  file: { kind: 'files' },
  output: { kind: 'files' },
  cwd: { kind: 'dirs' },
  dir: { kind: 'dirs' },
};

/** Flags whose value is a comma-separated list: complete the part after the last comma. */
const COMMA_LISTS = new Set(['state', 'after']);

const firstLine = (s?: string) => (s ?? '').split('\n')[0]!.trim();

export function planCompletion(spec: CompletionSpec, argv: string[]): Plan {
  const all = argv.length ? argv : [''];
  const cur = all[all.length - 1]!;
  const before = all.slice(0, -1);
  const visible = Object.values(spec.commands).filter((c) => !c.hidden);
  const isTopic = (t: string) => t in spec.topics || visible.some((c) => c.id.startsWith(`${t}:`));

  // The command: the longest run of leading words that names a topic or command.
  const path: string[] = [];
  let i = 0;
  while (i < before.length && !before[i]!.startsWith('-')) {
    const next = [...path, before[i]!].join(':');
    if (!spec.commands[next] && !isTopic(next)) break;
    path.push(before[i]!);
    i++;
  }
  const id = path.join(':');
  const cmd = spec.commands[id];
  const rest = before.slice(i);

  // Subcommands (and subtopics) are offered while no argument or flag has been typed.
  const children = (): Candidate[] => {
    const seen = new Map<string, Candidate>();
    for (const c of visible) {
      const parts = c.id.split(':');
      if (parts.length <= path.length || parts.slice(0, path.length).join(':') !== id) continue;
      const name = parts[path.length]!;
      const sub = [...path, name].join(':');
      const description =
        parts.length === path.length + 1 ? firstLine(c.summary ?? c.description) : firstLine(spec.topics[sub]?.description) || `${sub.replace(/:/g, ' ')} commands`;
      if (!seen.has(name) || parts.length === path.length + 1) seen.set(name, { value: name, ...(description ? { description } : {}) });
    }
    return [...seen.values()].sort((a, b) => (a.value < b.value ? -1 : 1));
  };

  if (!cmd) {
    if (rest.length) return plan({ kind: 'none' }, cur); // not a command we know
    if (cur.startsWith('-')) return plan(words('--help', '--version'), cur);
    return plan({ kind: 'static', values: children() }, cur);
  }

  const flags = Object.values(cmd.flags ?? {}).filter((f) => !f.hidden);
  const byName = new Map(flags.map((f) => [f.name, f]));
  const byChar = new Map(flags.filter((f) => f.char).map((f) => [f.char!, f]));
  const used = new Set<string>();
  let positional = 0;
  let awaiting: ManifestFlag | undefined;
  let dashdash = false;
  for (const w of rest) {
    if (awaiting) {
      awaiting = undefined;
      continue;
    }
    if (dashdash) {
      positional++;
    } else if (w === '--') {
      dashdash = true;
    } else if (w.startsWith('--')) {
      const [name, inline] = [w.slice(2).split('=')[0]!, w.includes('=')];
      const f = byName.get(name) ?? byName.get(name.replace(/^no-/, ''));
      if (f) used.add(f.name);
      if (f?.type === 'option' && !inline) awaiting = f;
    } else if (w.startsWith('-') && w.length > 1) {
      // -qe VALUE: booleans then at most one option, whose value is the rest or the next word.
      for (let k = 1; k < w.length; k++) {
        const f = byChar.get(w[k]!);
        if (!f) break;
        used.add(f.name);
        if (f.type === 'option') {
          if (k === w.length - 1) awaiting = f;
          break;
        }
      }
    } else {
      positional++;
    }
  }

  if (awaiting) return valuePlan(id, awaiting, cur, '');
  if (dashdash) return { source: { kind: 'files' }, prefix: cur, insert: '' };
  if (cur.startsWith('--') && cur.includes('=')) {
    const name = cur.slice(2, cur.indexOf('='));
    const f = byName.get(name);
    return f?.type === 'option' ? valuePlan(id, f, cur.slice(cur.indexOf('=') + 1), cur.slice(0, cur.indexOf('=') + 1)) : plan({ kind: 'none' }, cur);
  }
  if (cur.startsWith('-')) {
    const offered = flags
      .filter((f) => f.multiple || !used.has(f.name))
      .map((f) => ({ value: `--${f.name}`, description: firstLine(f.summary ?? f.description) }))
      .concat({ value: '--help', description: 'Show help for this command.' })
      .sort((a, b) => (a.value < b.value ? -1 : 1));
    return plan({ kind: 'static', values: offered }, cur);
  }
  // Positional: subcommands first when the command is also a topic and nothing followed it yet.
  const subs = rest.length === 0 ? children() : [];
  const args = Object.values(cmd.args ?? {}).filter((a) => !a.hidden);
  const arg = args[positional] ?? (cmd.strict === false && args.length ? args[args.length - 1] : undefined);
  let source: Source = { kind: 'none' };
  if (arg?.options?.length) source = words(...arg.options);
  else if (arg || (cmd.strict === false && positional > 0)) source = ARGS[id] ?? sourceByArgName(arg?.name);
  // `run TYPE` takes one type; later words belong after --.
  if (id === 'run' && positional > 0) source = { kind: 'none' };
  if (subs.length) source = source.kind === 'static' ? { kind: 'static', values: [...subs, ...source.values] } : source.kind === 'none' ? { kind: 'static', values: subs } : source;
  return { ...plan(source, cur), ...(ARG_FILES.has(id) ? { files: true } : {}) };
}

function sourceByArgName(name?: string): Source {
  if (name === undefined) return { kind: 'none' };
  if (/^(id|ids|task|tasks)$/i.test(name)) return live('tasks-recent');
  if (/^(type|types)$/i.test(name)) return live('types');
  if (/^(file|path)$/i.test(name)) return { kind: 'files' };
  return { kind: 'none' };
}

function valuePlan(id: string, f: ManifestFlag, cur: string, insert: string): Plan {
  const source = f.options?.length ? words(...f.options) : (FLAGS[`${id}:${f.name}`] ?? FLAGS[f.name] ?? { kind: 'none' });
  if (COMMA_LISTS.has(f.name) && cur.includes(',')) {
    const head = cur.slice(0, cur.lastIndexOf(',') + 1);
    return { source, prefix: cur.slice(head.length), insert: insert + head };
  }
  return { source, prefix: cur, insert };
}

function plan(source: Source, prefix: string): Plan {
  return { source, prefix, insert: '' };
}

/** The values to print: those that start with the prefix, with the insert before each. */
export function finish(p: Plan, values: Candidate[]): Candidate[] {
  const seen = new Set<string>();
  const out: Candidate[] = [];
  for (const c of values) {
    if (!c.value.startsWith(p.prefix) || seen.has(c.value)) continue;
    seen.add(c.value);
    out.push({ ...c, value: p.insert + c.value });
  }
  return out;
}

/** One line per candidate, "value<TAB>description"; then ":files" or ":dirs" when the shell should add paths. */
export function formatCandidates(p: Plan, values: Candidate[]): string {
  const lines = finish(p, values).map((c) => (c.description ? `${c.value}\t${c.description.replace(/[\t\n]/g, ' ')}` : c.value));
  if (p.source.kind === 'files' || p.files) lines.push(':files');
  if (p.source.kind === 'dirs') lines.push(':dirs');
  return lines.length ? lines.join('\n') + '\n' : '';
}
