// The POSIX shells' context scanner (sh, dash, bash, zsh, ksh): see syntax.ts. Pure.
import { MARK, type Spot } from './syntax-spot.js';

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
const BRACE_REFUSE = 'a value inside ${…} may be evaluated as a pattern or an arithmetic offset: assign it to a variable first (v={{NAME}}) and write ${X:-$v}';
const QHEREDOC_REFUSE =
  'a here-document with a quoted delimiter (<<\'EOF\' or <<"EOF") is literal, so a value cannot be inserted there safely: unquote the delimiter (<<EOF; its body still never runs a value), or use the environment variable';
const INT_DECL_REFUSE =
  'this command declares an integer variable (declare -i, typeset -i, local -i …), and a value assigned to one is evaluated as arithmetic, which can run commands: drop -i, or check the value is a number first';

export function posixSpots(text: string): Spot[] {
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
