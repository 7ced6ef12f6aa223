// Writes man/blanket.1 and one page per command (blanket-<topic>-<cmd>.1)
// from oclif.manifest.json: the commands' own summaries, descriptions, flags,
// arguments and examples, so the pages cannot say other than --help.
//
//   node scripts/man.js            write man/ and the "man" list in package.json
//   node scripts/man.js DIR        write the pages into DIR only (the test uses this)
//
// `npm run man` builds first (the "preman" script), so the manifest is fresh.
// The output depends only on the manifest, package.json and dist/: no dates.
import { mkdirSync, readdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
const manifest = JSON.parse(readFileSync(path.join(ROOT, 'oclif.manifest.json'), 'utf8'));
const { CONFIG_OPTIONS } = await import('../dist/core/config.js');
const { EXIT } = await import('../dist/cli/errors.js');

const BIN = pkg.oclif.bin;
const SEP = pkg.oclif.topicSeparator ?? ':';
const SOURCE = `${BIN} ${pkg.version}`;
const MANUAL = `${BIN} manual`;

/** What each exit status means; a new one in cli/base.ts must be described here. */
const EXIT_MEANING = {
  ok: 'Success.',
  failure: 'The command failed: a task or type was not found, a task failed (with --wait), the configuration is invalid, and so on. The message says which, with a stable code.',
  usage: 'The command line was wrong: an unknown flag, a missing argument.',
  unavailable: 'No daemon could be reached or started.',
  removed: 'A task that wait, run --wait/--follow or logs -f was waiting on was removed (blanket rm) before it ended (code TASK_REMOVED).',
  internal: 'A bug in blanket; the message says where.',
};

// ---- roff ----------------------------------------------------------------

/** Text for a roff line: backslashes and minus signs escaped, control characters at line start defused. */
function esc(s) {
  return s
    .replace(/\\/g, '\\e')
    .replace(/-/g, '\\-')
    .split('\n')
    .map((l) => (/^[.']/.test(l) ? `\\&${l}` : l))
    .join('\n');
}

const bold = (s) => `\\fB${esc(s)}\\fR`;
const ital = (s) => `\\fI${esc(s)}\\fR`;

/** Paragraphs of prose: blank lines start a new paragraph, the rest is filled by roff. */
function prose(text) {
  return text
    .trim()
    .split(/\n\s*\n/)
    .map((p) => esc(p.trim()))
    .join('\n.PP\n');
}

function expand(text, id) {
  return String(text)
    .replace(/<%=\s*config\.bin\s*%>/g, BIN)
    .replace(/<%=\s*command\.id\s*%>/g, id.split(':').join(SEP));
}

// ---- commands -------------------------------------------------------------

const commands = Object.values(manifest.commands)
  .filter((c) => !c.hidden)
  .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));

const pageName = (id) => `${BIN}-${id.split(':').join('-')}`;
const spoken = (id) => `${BIN} ${id.split(':').join(SEP)}`;

function argsOf(cmd) {
  return Object.values(cmd.args ?? {}).filter((a) => !a.hidden);
}

function flagsOf(cmd) {
  const all = Object.values(cmd.flags ?? {}).filter((f) => !f.hidden);
  const own = all.filter((f) => f.helpGroup !== 'GLOBAL');
  const global = all.filter((f) => f.helpGroup === 'GLOBAL');
  return { own, global };
}

function synopsis(cmd, firstOnly = false) {
  if (cmd.usage) {
    const lines = (Array.isArray(cmd.usage) ? cmd.usage : [cmd.usage]).slice(0, firstOnly ? 1 : undefined);
    return lines.map((u) => `${bold(BIN)} ${esc(expand(u, cmd.id))}`).join('\n.br\n');
  }
  const args = argsOf(cmd);
  const words = args.map((a, i) => {
    const more = cmd.strict === false && i === args.length - 1 ? '...' : '';
    return a.required ? `${ital(a.name.toUpperCase())}${more}` : `[${ital(a.name.toUpperCase())}${more}]`;
  });
  const { own } = flagsOf(cmd);
  if (own.length) words.push(`[${ital('OPTIONS')}]`);
  return [bold(spoken(cmd.id)), ...words].join(' ');
}

function flagTerm(f) {
  const long = f.allowNo ? `--[no-]${f.name}` : `--${f.name}`;
  let term = f.char ? `${bold(`-${f.char}`)}, ${bold(long)}` : bold(long);
  if (f.type === 'option') {
    const value = f.options?.length ? f.options.join('|') : (f.helpValue ?? f.name.toUpperCase());
    term += `=${ital(value)}`;
  }
  return term;
}

function flagText(f, id) {
  const parts = [f.summary ?? f.description ?? ''];
  if (f.summary && f.description) parts.push(f.description);
  if (f.options?.length) parts.push(`One of: ${f.options.join(', ')}.`);
  if (f.required) parts.push('Required.');
  if (f.multiple && !/repeat/i.test(parts.join(' '))) parts.push('May be given more than once.');
  const dflt = Array.isArray(f.default) ? f.default.join(',') : f.default;
  if (f.type === 'option' && dflt !== undefined && dflt !== '') parts.push(`Default: ${dflt}.`);
  if (f.env) parts.push(`Environment: ${f.env}.`);
  return esc(expand(parts.filter(Boolean).join(' '), id));
}

function examplesOf(cmd) {
  return (cmd.examples ?? []).map((e) => (typeof e === 'string' ? { command: e } : e));
}

function header(name, section = '1') {
  return [
    `.\\" Generated by scripts/man.js from the commands' own help. Do not edit:`,
    `.\\" change the command, then run \`npm run man\`.`,
    `.TH "${esc(name.toUpperCase())}" "${section}" "" "${esc(SOURCE)}" "${esc(MANUAL)}"`,
    // Left-aligned, no hyphenation: command names and flags stay whole.
    '.ad l',
    '.nh',
  ];
}

function commandPage(cmd) {
  const name = pageName(cmd.id);
  const out = [...header(name)];
  out.push(
    '.SH NAME',
    `${esc(name)} \\- ${esc(
      expand(cmd.summary ?? cmd.description ?? '', cmd.id)
        .split('\n')[0]
        .replace(/\.$/, ''),
    )}`,
  );
  out.push('.SH SYNOPSIS', synopsis(cmd));
  out.push('.SH DESCRIPTION');
  const desc = [cmd.summary, cmd.description].filter(Boolean).map((d) => expand(d, cmd.id));
  out.push(desc.length ? prose(desc.join('\n\n')) : esc(spoken(cmd.id)));
  const args = argsOf(cmd).filter((a) => a.description);
  if (args.length) {
    out.push('.SH ARGUMENTS');
    for (const a of args) {
      const extra = [a.options?.length ? `One of: ${a.options.join(', ')}.` : '', a.default !== undefined ? `Default: ${a.default}.` : ''];
      out.push('.TP', ital(a.name.toUpperCase()), esc(expand([a.description, ...extra].filter(Boolean).join(' '), cmd.id)));
    }
  }
  const { own, global } = flagsOf(cmd);
  out.push('.SH OPTIONS');
  for (const f of own) out.push('.TP', flagTerm(f), flagText(f, cmd.id));
  out.push('.SS Global options');
  for (const f of global) out.push('.TP', flagTerm(f), flagText(f, cmd.id));
  out.push('.TP', bold('--help'), esc('Show help for this command and exit.'));
  const examples = examplesOf(cmd);
  if (examples.length) {
    out.push('.SH EXAMPLES');
    for (const e of examples) {
      if (e.description) out.push('.PP', esc(expand(e.description, cmd.id)));
      out.push('.PP', '.RS 4', '.nf', esc(expand(e.command, cmd.id)), '.fi', '.RE');
    }
  }
  out.push('.SH SEE ALSO', seeAlso([BIN, ...commands.filter((c) => c.id !== cmd.id && topicOf(c.id) === topicOf(cmd.id) && topicOf(c.id) !== '').map((c) => pageName(c.id))]));
  return out.join('\n') + '\n';
}

const topicOf = (id) => id.split(':').slice(0, -1).join(':');

function seeAlso(names) {
  return names.map((n, i) => `.BR ${esc(n)} (1)${i < names.length - 1 ? ',' : ''}`).join('\n');
}

// ---- blanket.1 -----------------------------------------------------------

function mainPage() {
  const out = [...header(BIN)];
  const tagline = pkg.description.split(':')[0].replace(/^A /, 'a ');
  out.push('.SH NAME', `${esc(BIN)} \\- ${esc(tagline)}`);
  out.push('.SH SYNOPSIS', `${bold(BIN)} ${ital('COMMAND')} [${ital('ARGUMENTS')}] [${ital('OPTIONS')}]`, '.br', `${bold(BIN)} ${ital('COMMAND')} ${bold('--help')}`);
  out.push(
    '.SH DESCRIPTION',
    prose(
      `${pkg.description}\n\n` +
        `Any command starts the daemon for this home when it is not running. Every command takes --json, which prints the daemon's answer as JSON, unchanged, and --help, which shows its flags and examples. Errors say what went wrong and how to fix it, and carry a stable code (also in --json output).`,
    ),
  );
  out.push('.SH COMMANDS');
  let topic;
  for (const c of commands) {
    const t = topicOf(c.id);
    if (t !== topic && t !== '') {
      const desc = pkg.oclif.topics?.[t]?.description;
      out.push(`.SS ${esc(t.split(':').join(SEP))}`);
      if (desc) out.push(esc(desc));
    }
    topic = t;
    out.push('.TP', synopsis(c, true), `${esc(expand(c.summary ?? c.description ?? '', c.id).split('\n')[0])} See ${bold(pageName(c.id))}(1).`);
  }
  out.push('.SH ENVIRONMENT');
  out.push('.TP', bold('BLANKET_HOME'), esc('One directory for everything: config.toml, the task store, results, logs, and the socket in run/. Each home has its own daemon.'));
  out.push('.TP', bold('BLANKET_SOCKET'), esc("The daemon's socket path, when the default one is too long or not wanted."));
  out.push('.TP', bold('XDG_CONFIG_HOME, XDG_STATE_HOME, XDG_RUNTIME_DIR'), esc('Where the configuration, the state and the socket go when BLANKET_HOME is not set (Linux).'));
  for (const o of CONFIG_OPTIONS) {
    out.push('.TP', bold(o.env), `${esc(o.description)} Overrides ${bold(o.key)} in config.toml; default: ${esc(o.defaultText)}.`);
  }
  out.push('.TP', bold('NO_COLOR'), esc('Turns colour off in human output.'));
  out.push(
    '.SH FILES',
    '.TP',
    ital('$BLANKET_HOME/config.toml'),
    esc(
      'The configuration (with BLANKET_HOME set); otherwise ~/.config/blanket/config.toml on Linux and ~/Library/Application Support/blanket/config.toml on macOS. See blanket config and docs/configuration.md.',
    ),
    '.TP',
    ital('task-types/'),
    esc('Task-type files (TOML) beside config.toml, added to the bundled ones.'),
    '.TP',
    ital('results/ID/'),
    esc("A task's output and rendered files, under the state directory."),
  );
  out.push('.SH EXIT STATUS');
  for (const [name, code] of Object.entries(EXIT)) {
    if (!EXIT_MEANING[name]) throw new Error(`scripts/man.js: describe exit status ${name} (${code}) in EXIT_MEANING`);
    out.push('.TP', bold(String(code)), esc(EXIT_MEANING[name]));
  }
  out.push('.SH SEE ALSO', seeAlso(commands.map((c) => pageName(c.id))));
  return out.join('\n') + '\n';
}

// ---- write ----------------------------------------------------------------

const pages = new Map([[`${BIN}.1`, mainPage()], ...commands.map((c) => [`${pageName(c.id)}.1`, commandPage(c)])]);
const target = process.argv[2] ? path.resolve(process.argv[2]) : path.join(ROOT, 'man');
mkdirSync(target, { recursive: true });
// Pages of commands that are gone would go stale: remove them.
for (const f of readdirSync(target)) if (/\.1$/.test(f) && !pages.has(f)) unlinkSync(path.join(target, f));
for (const [file, text] of pages) writeFileSync(path.join(target, file), text);

if (!process.argv[2]) {
  const list = [...pages.keys()].sort().map((f) => `./man/${f}`);
  if (JSON.stringify(pkg.man) !== JSON.stringify(list)) {
    // Beside "bin", where people look for it.
    const entries = Object.entries(pkg).filter(([k]) => k !== 'man');
    const at = entries.findIndex(([k]) => k === 'bin') + 1 || entries.length;
    entries.splice(at, 0, ['man', list]);
    writeFileSync(path.join(ROOT, 'package.json'), JSON.stringify(Object.fromEntries(entries), null, 2) + '\n');
    console.log('package.json: updated "man"');
  }
}
console.log(`${path.relative(process.cwd(), target) || '.'}: ${pages.size} man pages`);
