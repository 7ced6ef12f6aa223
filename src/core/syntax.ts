// Where each `{{NAME}}` of a command sits in its executor's syntax. Quoting a
// value without knowing that cannot be made safe ('…' is literal inside "…"),
// so a `{{NAME}}` is rendered as a reference to an environment variable written
// for the context at that point; these small scanners find the context. Pure.

/** Syntax families of the executors blanket knows. `none`: no scanner; `{{NAME}}` is refused. */
export type Syntax = 'posix' | 'fish' | 'python' | 'node' | 'powershell' | 'cmd' | 'none';

/**
 * The context of one spot: what the reference must be written for, or why no reference is safe there.
 * posix/fish: plain | dquote | squote | ansi ($'…') | heredoc (unquoted-delimiter body) | comment;
 * python/node: code | comment; powershell: plain | dquote | comment; cmd: plain | dquote.
 */
export type Spot = { ctx: 'plain' | 'dquote' | 'squote' | 'ansi' | 'heredoc' | 'comment' | 'code' } | { refuse: string };

/** Marks a spot in a skeleton (the command with raw values spliced); values and templates never hold NUL. */
export const MARK = '\u0000';

/** The context of every MARK in `text`, in order. */
export function spots(syntax: Syntax, text: string): Spot[] {
  switch (syntax) {
    case 'posix':
      return posixSpots(text);
    case 'fish':
      return fishSpots(text);
    case 'python':
      return pythonSpots(text);
    case 'node':
      return nodeSpots(text);
    case 'powershell':
      return powershellSpots(text);
    case 'cmd':
      return cmdSpots(text);
    case 'none':
      return [...text].filter((c) => c === MARK).map(() => ({ refuse: 'this executor has no safe way to insert a value into its code' }));
  }
}

// ---------------------------------------------------------------------------
// POSIX shells (sh, dash, bash, zsh, ksh). A stack of frames; each character
// is read in the innermost one.

type Frame =
  | { k: 'plain'; close?: ')' | '`'; depth: number; test?: boolean; arithTest?: boolean; sub?: boolean }
  | { k: 'dquote' }
  | { k: 'squote' }
  | { k: 'ansi' }
  | { k: 'comment' }
  | { k: 'arith'; depth: number; close: '))' | ']' }
  | { k: 'brace'; depth: number }
  | { k: 'heredoc'; quoted: boolean; delim: string; strip: boolean; lineStart: number };

const ARITH_REFUSE =
  'a value inside shell arithmetic ($((…)), ((…)), $[…], let, an array subscript, or a [[ … -eq … ]] test) is evaluated as an arithmetic expression, which can run commands (a[$(cmd)]): assign it to a variable first (n={{NAME}}) and check it is a number before doing arithmetic with it';
const BRACE_REFUSE =
  'a value inside ${…} may be evaluated as a pattern or an arithmetic offset: assign it to a variable first (v={{NAME}}) and write ${X:-$v}';
const QHEREDOC_REFUSE =
  "a here-document with a quoted delimiter (<<'EOF' or <<\"EOF\") is literal, so a value cannot be inserted there safely: unquote the delimiter (<<EOF; its body still never runs a value), or use the environment variable";
const INT_DECL_REFUSE =
  'this command declares an integer variable (declare -i, typeset -i, local -i …), and a value assigned to one is evaluated as arithmetic, which can run commands: drop -i, or check the value is a number first';

function posixSpots(text: string): Spot[] {
  const out: Spot[] = [];
  const stack: Frame[] = [{ k: 'plain', depth: 0 }];
  const pendingHeredocs: Array<{ delim: string; quoted: boolean; strip: boolean }> = [];
  const intDecl = /(^|[\s;&|(`])(declare|typeset|local|export|readonly|integer)\s+(-[A-Za-z]*i|[^;\n]*\s-[A-Za-z]*i)/.test(text) || /(^|[\s;&|(`])integer\s/.test(text);
  let wordStart = true; // at the start of a word (plain frames)
  let cmdStart = true; // at the start of a simple command (plain frames)
  let i = 0;
  const top = () => stack[stack.length - 1]!;
  const spot = (s: Spot) => out.push(intDecl && !('refuse' in s) && s.ctx !== 'comment' ? { refuse: INT_DECL_REFUSE } : s);
  while (i < text.length) {
    const f = top();
    const c = text[i]!;
    const rest = text.slice(i);
    if (f.k === 'heredoc') {
      // Read the body a line at a time: the delimiter line ends it.
      if (i === f.lineStart) {
        const end = text.indexOf('\n', i);
        const line = text.slice(i, end === -1 ? text.length : end);
        if ((f.strip ? line.replace(/^\t+/, '') : line) === f.delim) {
          stack.pop();
          i = end === -1 ? text.length : end + 1;
          startHeredocs(i);
          continue;
        }
      }
      if (c === '\n') {
        f.lineStart = i + 1;
        i++;
        continue;
      }
      if (c === MARK) {
        spot(f.quoted ? { refuse: QHEREDOC_REFUSE } : { ctx: 'heredoc' });
        i++;
        continue;
      }
      if (f.quoted) {
        i++;
        continue;
      }
      if (c === '\\') {
        i += 2;
        continue;
      }
      if (openExpansion(rest)) continue;
      i++;
      continue;
    }
    if (f.k === 'comment') {
      if (c === MARK) spot({ ctx: 'comment' });
      if (c === '\n') {
        stack.pop();
        continue; // the newline is read by the frame below
      }
      i++;
      continue;
    }
    if (f.k === 'squote') {
      if (c === MARK) spot({ ctx: 'squote' });
      if (c === "'") stack.pop();
      i++;
      continue;
    }
    if (f.k === 'ansi') {
      if (c === MARK) spot({ ctx: 'ansi' });
      if (c === '\\') i++;
      else if (c === "'") stack.pop();
      i++;
      continue;
    }
    if (f.k === 'dquote') {
      if (c === MARK) {
        spot({ ctx: 'dquote' });
        i++;
      } else if (c === '\\') i += 2;
      else if (c === '"') {
        stack.pop();
        i++;
      } else if (!openExpansion(rest)) i++;
      continue;
    }
    if (f.k === 'arith') {
      if (c === MARK) spot({ refuse: ARITH_REFUSE });
      if (f.close === ']') {
        if (c === '[') f.depth++;
        else if (c === ']' && f.depth-- === 0) stack.pop();
        i++;
        continue;
      }
      if (rest.startsWith('$(') && !rest.startsWith('$((')) {
        openExpansion(rest);
        continue;
      }
      if (c === '(') f.depth++;
      else if (c === ')') {
        if (f.depth === 0 && rest.startsWith('))')) {
          stack.pop();
          i += 2;
          continue;
        }
        f.depth--;
      }
      i++;
      continue;
    }
    if (f.k === 'brace') {
      if (c === MARK) spot({ refuse: BRACE_REFUSE });
      if (c === '\\') i += 2;
      else if (c === "'") {
        stack.push({ k: 'squote' });
        i++;
      } else if (c === '"') {
        stack.push({ k: 'dquote' });
        i++;
      } else if (c === '{') {
        f.depth++;
        i++;
      } else if (c === '}') {
        if (f.depth-- === 0) stack.pop();
        i++;
      } else if (!openExpansion(rest)) i++;
      continue;
    }
    // plain
    if (c === MARK) {
      spot(f.arithTest || f.sub || subscriptBefore(text, i) ? { refuse: ARITH_REFUSE } : { ctx: 'plain' });
      i++;
      wordStart = cmdStart = false;
      continue;
    }
    if (c === '\\') {
      if (text[i + 1] === MARK) {
        // an escaped mark is still a spot: the reference starts with a quote, which the backslash makes literal
        spot({ refuse: 'a backslash right before {{NAME}} would make its quoting literal: remove the backslash' });
        i += 2;
        continue;
      }
      i += 2;
      wordStart = cmdStart = false;
      continue;
    }
    if (c === '#' && wordStart) {
      stack.push({ k: 'comment' });
      i++;
      continue;
    }
    if (c === "'") {
      stack.push({ k: 'squote' });
      i++;
      wordStart = cmdStart = false;
      continue;
    }
    if (c === '"') {
      stack.push({ k: 'dquote' });
      i++;
      wordStart = cmdStart = false;
      continue;
    }
    if (rest.startsWith("$'")) {
      stack.push({ k: 'ansi' });
      i += 2;
      wordStart = cmdStart = false;
      continue;
    }
    if (rest.startsWith('((') && cmdStart) {
      stack.push({ k: 'arith', depth: 0, close: '))' });
      i += 2;
      continue;
    }
    if (openExpansion(rest)) {
      wordStart = cmdStart = false;
      continue;
    }
    if (c === '`') {
      if (f.close === '`') {
        stack.pop();
        i++;
        wordStart = cmdStart = false;
        continue;
      }
      stack.push({ k: 'plain', close: '`', depth: 0 });
      i++;
      wordStart = cmdStart = true;
      continue;
    }
    if (c === '(') {
      f.depth++;
      i++;
      wordStart = cmdStart = true;
      continue;
    }
    if (c === ')') {
      if (f.close === ')' && f.depth === 0) {
        stack.pop();
        i++;
        wordStart = cmdStart = false;
        continue;
      }
      if (f.depth > 0) f.depth--;
      i++;
      wordStart = true;
      continue;
    }
    const heredoc = /^<<(-?)[ \t]*(?:'([^'\n]*)'|"([^"\n]*)"|\\?([A-Za-z0-9_.-]+))/.exec(rest);
    if (heredoc && !rest.startsWith('<<<')) {
      const quoted = heredoc[2] !== undefined || heredoc[3] !== undefined || heredoc[0].includes('\\');
      pendingHeredocs.push({ delim: heredoc[2] ?? heredoc[3] ?? heredoc[4]!, quoted, strip: heredoc[1] === '-' });
      i += heredoc[0].length;
      wordStart = true;
      continue;
    }
    if (c === '\n') {
      i++;
      wordStart = cmdStart = true;
      f.test = f.arithTest = false;
      f.sub = false;
      if (startHeredocs(i)) continue;
      continue;
    }
    if (/[ \t]/.test(c)) {
      i++;
      wordStart = true;
      continue;
    }
    if (/[;&|]/.test(c)) {
      i++;
      wordStart = cmdStart = true;
      f.sub = false;
      continue;
    }
    if (/[<>]/.test(c)) {
      i++;
      wordStart = true;
      continue;
    }
    // an ordinary word: look at whole words for [[ ]] and let
    // eslint-disable-next-line no-control-regex -- NUL marks where a {{NAME}} stood in the skeleton
    const word = /^[^\s;&|()<>'"`\\$\u0000]+/.exec(rest)?.[0] ?? c;
    if (wordStart) {
      if (word === '[[') {
        const end = text.indexOf(']]', i + 2);
        f.test = true;
        f.arithTest = /\s-(eq|ne|lt|le|gt|ge)\s/.test(text.slice(i, end === -1 ? text.length : end));
      } else if (word === ']]') f.test = f.arithTest = false;
      else if (cmdStart && word === 'let') f.sub = true;
    }
    if (!/^[A-Za-z_][A-Za-z0-9_]*=/.test(word)) cmdStart = false;
    wordStart = false;
    i += word.length;
  }
  return out;

  /** `$((`, `$[`, `$(`, `${` or a backtick at `rest`: push its frame and advance. */
  function openExpansion(rest: string): boolean {
    if (rest.startsWith('$((')) {
      stack.push({ k: 'arith', depth: 0, close: '))' });
      i += 3;
    } else if (rest.startsWith('$[')) {
      stack.push({ k: 'arith', depth: 0, close: ']' });
      i += 2;
    } else if (rest.startsWith('$(')) {
      stack.push({ k: 'plain', close: ')', depth: 0 });
      i += 2;
      wordStart = cmdStart = true;
    } else if (rest.startsWith('${')) {
      stack.push({ k: 'brace', depth: 0 });
      i += 2;
    } else if (rest.startsWith('`') && top().k !== 'plain') {
      stack.push({ k: 'plain', close: '`', depth: 0 });
      i += 1;
      wordStart = cmdStart = true;
    } else return false;
    return true;
  }

  /** After a newline: the here-documents its line opened start, one after another. */
  function startHeredocs(at: number): boolean {
    const h = pendingHeredocs.shift();
    if (!h) return false;
    stack.push({ k: 'heredoc', quoted: h.quoted, delim: h.delim, strip: h.strip, lineStart: at });
    return true;
  }
}

/** Inside `name[` … of an array subscript (`a[{{N}}]=…`), where bash evaluates arithmetic. */
function subscriptBefore(text: string, i: number): boolean {
  const before = text.slice(0, i);
  const open = before.lastIndexOf('[');
  if (open === -1 || before.lastIndexOf(']') > open) return false;
  return /(^|[\s;&|(`])[A-Za-z_][A-Za-z0-9_]*$/.test(before.slice(0, open));
}

// ---------------------------------------------------------------------------
// fish: '…' (\' and \\ escapes), "…" (backslash escapes; $(…) expands), (…) and
// $(…) command substitution, # comments.

function fishSpots(text: string): Spot[] {
  const out: Spot[] = [];
  const stack: Array<'plain' | 'dquote' | 'squote' | 'comment' | 'sub'> = ['plain'];
  let wordStart = true;
  for (let i = 0; i < text.length; i++) {
    const f = stack[stack.length - 1]!;
    const c = text[i]!;
    if (f === 'comment') {
      if (c === MARK) out.push({ ctx: 'comment' });
      if (c === '\n') stack.pop(), (wordStart = true);
      continue;
    }
    if (f === 'squote') {
      if (c === MARK) out.push({ ctx: 'squote' });
      if (c === '\\') i++;
      else if (c === "'") stack.pop();
      continue;
    }
    if (f === 'dquote') {
      if (c === MARK) out.push({ ctx: 'dquote' });
      if (c === '\\') i++;
      else if (c === '"') stack.pop();
      else if (c === '$' && text[i + 1] === '(') stack.push('sub'), i++;
      continue;
    }
    if (c === MARK) out.push({ ctx: 'plain' }), (wordStart = false);
    else if (c === '\\') {
      if (text[i + 1] === MARK) out.push({ refuse: 'a backslash right before {{NAME}} would make its quoting literal: remove the backslash' }), i++;
      else i++;
      wordStart = false;
    } else if (c === '#' && wordStart) stack.push('comment');
    else if (c === "'") stack.push('squote'), (wordStart = false);
    else if (c === '"') stack.push('dquote'), (wordStart = false);
    else if (c === '(') stack.push('sub'), (wordStart = true);
    else if (c === ')' && f === 'sub') stack.pop(), (wordStart = false);
    else wordStart = /[\s;|&]/.test(c);
  }
  return out;
}

// ---------------------------------------------------------------------------
// python: string literals (any prefix, single or triple quoted) and # comments.

const STRING_REFUSE = (example: string) =>
  `it cannot go inside a string literal (a value cannot be spliced into one safely): use it as an expression, e.g. ${example}`;

function pythonSpots(text: string): Spot[] {
  const out: Spot[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === MARK) {
      out.push({ ctx: 'code' });
      i++;
    } else if (c === '#') {
      const end = text.indexOf('\n', i);
      const stop = end === -1 ? text.length : end;
      for (let j = i; j < stop; j++) if (text[j] === MARK) out.push({ ctx: 'comment' });
      i = stop;
    } else if (c === '"' || c === "'") {
      const q = text.startsWith(c.repeat(3), i) ? c.repeat(3) : c;
      let j = i + q.length;
      while (j < text.length && !text.startsWith(q, j)) {
        if (text[j] === MARK) out.push({ refuse: STRING_REFUSE('print("hello, " + {{NAME}}) or f"hello, {v}" after v = {{NAME}}') });
        if (text[j] === '\\') j++; // also in r"…": a backslash keeps the quote after it in the string
        else if (q.length === 1 && text[j] === '\n') break;
        j++;
      }
      i = j + q.length;
    } else i++;
  }
  return out;
}

// ---------------------------------------------------------------------------
// node: '…', "…", `…` (with ${…} code inside), // and /* */ comments, /regex/.

function nodeSpots(text: string): Spot[] {
  const out: Spot[] = [];
  const stack: Array<{ k: 'code'; depth: number } | { k: 'template' }> = [{ k: 'code', depth: 0 }];
  let prev = ''; // the last significant character of code, to tell a regex from a division
  let i = 0;
  while (i < text.length) {
    const f = stack[stack.length - 1]!;
    const c = text[i]!;
    if (f.k === 'template') {
      if (c === MARK) out.push({ refuse: STRING_REFUSE('console.log("hello, " + {{NAME}}) or `hello, ${ {{NAME}} }`') });
      if (c === '\\') i += 2;
      else if (c === '`') stack.pop(), i++, (prev = 'x');
      else if (text.startsWith('${', i)) stack.push({ k: 'code', depth: 0 }), (i += 2), (prev = '(');
      else i++;
      continue;
    }
    if (c === MARK) {
      out.push({ ctx: 'code' });
      i++;
      prev = 'x';
    } else if (text.startsWith('//', i) || text.startsWith('/*', i)) {
      const end = text.startsWith('//', i) ? text.indexOf('\n', i) : text.indexOf('*/', i) + 2;
      const stop = end <= 1 || end === -1 ? text.length : end;
      for (let j = i; j < stop; j++) if (text[j] === MARK) out.push({ ctx: 'comment' });
      i = stop;
    } else if (c === '"' || c === "'" || (c === '/' && (prev === '' || /[(,=:[!&|?{};+\-*%<>~^]/.test(prev)))) {
      let j = i + 1;
      let inClass = false;
      while (j < text.length && (text[j] !== c || inClass) && text[j] !== '\n') {
        if (text[j] === MARK) out.push({ refuse: STRING_REFUSE('console.log("hello, " + {{NAME}})') });
        if (text[j] === '\\') j++;
        else if (c === '/' && text[j] === '[') inClass = true;
        else if (c === '/' && text[j] === ']') inClass = false;
        j++;
      }
      i = j + 1;
      prev = 'x';
    } else if (c === '`') {
      stack.push({ k: 'template' });
      i++;
    } else if (c === '{') {
      f.depth++;
      i++;
      prev = c;
    } else if (c === '}') {
      if (f.depth === 0 && stack.length > 1) stack.pop();
      else f.depth--;
      i++;
      prev = 'x';
    } else {
      if (!/\s/.test(c)) prev = c;
      i++;
    }
  }
  return out;
}

// ---------------------------------------------------------------------------
// PowerShell: '…' ('' escape), "…" (` escape; $(…) code inside), here-strings,
// # and <# #> comments. A reference works bare and inside "…"; not in '…'.

function powershellSpots(text: string): Spot[] {
  const out: Spot[] = [];
  const stack: Array<'plain' | 'dquote' | 'squote' | 'sub'> = ['plain'];
  for (let i = 0; i < text.length; i++) {
    const f = stack[stack.length - 1]!;
    const c = text[i]!;
    if (f === 'squote') {
      if (c === MARK) out.push({ refuse: "it cannot go inside a '…' string (that is literal): use \"…\" or put it outside the quotes" });
      if (c === "'" && text[i + 1] === "'") i++;
      else if (c === "'") stack.pop();
      continue;
    }
    if (f === 'dquote') {
      if (c === MARK) out.push({ ctx: 'dquote' });
      if (c === '`') i++;
      else if (c === '"' && text[i + 1] === '"') i++;
      else if (c === '"') stack.pop();
      else if (c === '$' && text[i + 1] === '(') stack.push('sub'), i++;
      continue;
    }
    if (c === MARK) out.push({ ctx: 'plain' });
    else if (c === '`') i++;
    else if (c === '#' || text.startsWith('<#', i)) {
      const end = c === '#' ? text.indexOf('\n', i) : text.indexOf('#>', i);
      const stop = end === -1 ? text.length : end;
      for (let j = i; j < stop; j++) if (text[j] === MARK) out.push({ ctx: 'comment' });
      i = stop;
    } else if (text.startsWith("@'", i) || text.startsWith('@"', i)) {
      const q = text[i + 1]!;
      const end = text.indexOf(`\n${q}@`, i);
      const stop = end === -1 ? text.length : end + 3;
      for (let j = i; j < stop; j++) if (text[j] === MARK) out.push({ refuse: 'it cannot go inside a here-string: build the string from an expression instead' });
      i = stop - 1;
    } else if (c === "'") stack.push('squote');
    else if (c === '"') stack.push('dquote');
    else if (c === '(' && f === 'sub') stack.push('sub');
    else if (c === ')' && f === 'sub') stack.pop();
  }
  return out;
}

// ---------------------------------------------------------------------------
// cmd: "…" toggles quoting; ^ escapes outside it. Nothing else is context.

function cmdSpots(text: string): Spot[] {
  const out: Spot[] = [];
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === MARK) out.push({ ctx: quoted ? 'dquote' : 'plain' });
    else if (c === '^' && !quoted) i++;
    else if (c === '"') quoted = !quoted;
  }
  return out;
}
