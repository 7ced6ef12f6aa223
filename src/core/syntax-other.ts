// The other executors' context scanners (fish, python, node, powershell, cmd): see syntax.ts. Pure.
import { MARK, type Spot } from './syntax-spot.js';

// ---------------------------------------------------------------------------
// fish: '…' (\' and \\ escapes), "…" (backslash escapes; $(…) expands), (…) and
// $(…) command substitution, # comments.

export function fishSpots(text: string): Spot[] {
  const out: Spot[] = [];
  const stack: Array<'plain' | 'dquote' | 'squote' | 'comment' | 'sub'> = ['plain'];
  let wordStart = true;
  for (let i = 0; i < text.length; i++) {
    const f = stack[stack.length - 1]!;
    const c = text[i]!;
    if (f === 'comment') {
      if (c === MARK) out.push({ ctx: 'comment' });
      if (c === '\n') (stack.pop(), (wordStart = true));
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
      else if (c === '$' && text[i + 1] === '(') (stack.push('sub'), i++);
      continue;
    }
    if (c === MARK) (out.push({ ctx: 'plain' }), (wordStart = false));
    else if (c === '\\') {
      if (text[i + 1] === MARK) (out.push({ refuse: 'a backslash right before {{NAME}} would make its quoting literal: remove the backslash' }), i++);
      else i++;
      wordStart = false;
    } else if (c === '#' && wordStart) stack.push('comment');
    else if (c === "'") (stack.push('squote'), (wordStart = false));
    else if (c === '"') (stack.push('dquote'), (wordStart = false));
    else if (c === '(') (stack.push('sub'), (wordStart = true));
    else if (c === ')' && f === 'sub') (stack.pop(), (wordStart = false));
    else wordStart = /[\s;|&]/.test(c);
  }
  return out;
}

// ---------------------------------------------------------------------------
// python: string literals (any prefix, single or triple quoted) and # comments.

const STRING_REFUSE = (example: string) => `it cannot go inside a string literal (a value cannot be spliced into one safely): use it as an expression, e.g. ${example}`;

export function pythonSpots(text: string): Spot[] {
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
        if (text[j] === '\\')
          j++; // also in r"…": a backslash keeps the quote after it in the string
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

export function nodeSpots(text: string): Spot[] {
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
      else if (c === '`') (stack.pop(), i++, (prev = 'x'));
      else if (text.startsWith('${', i)) (stack.push({ k: 'code', depth: 0 }), (i += 2), (prev = '('));
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

export function powershellSpots(text: string): Spot[] {
  const out: Spot[] = [];
  const stack: Array<'plain' | 'dquote' | 'squote' | 'sub'> = ['plain'];
  for (let i = 0; i < text.length; i++) {
    const f = stack[stack.length - 1]!;
    const c = text[i]!;
    if (f === 'squote') {
      if (c === MARK) out.push({ refuse: 'it cannot go inside a \'…\' string (that is literal): use "…" or put it outside the quotes' });
      if (c === "'" && text[i + 1] === "'") i++;
      else if (c === "'") stack.pop();
      continue;
    }
    if (f === 'dquote') {
      if (c === MARK) out.push({ ctx: 'dquote' });
      if (c === '`') i++;
      else if (c === '"' && text[i + 1] === '"') i++;
      else if (c === '"') stack.pop();
      else if (c === '$' && text[i + 1] === '(') (stack.push('sub'), i++);
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

export function cmdSpots(text: string): Spot[] {
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
