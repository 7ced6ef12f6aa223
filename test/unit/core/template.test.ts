import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import t, { type Test } from 'tap';
import fc from 'fast-check';
import { executorArgv } from '../../../src/core/executor.js';
import { placementProblems, quoteStyle, render, scan, shellJoin, templateEnv, TemplateError } from '../../../src/core/template.js';
import { which } from '../../../src/os/which.js';

// A sandbox: HOME and cwd of every process run here, with a canary file. If any value
// below were executed, a file would appear in it (or the canary would be gone).
const sandbox = mkdtempSync(path.join(os.tmpdir(), 'bk-tpl-'));
t.teardown(() => rmSync(sandbox, { recursive: true, force: true }));
writeFileSync(path.join(sandbox, 'canary'), 'alive');
const P = (name: string) => path.join(sandbox, name);

const HOSTILE: Array<[string, string]> = [
  ['command substitution', `$(touch ${P('pwned-subst')})`],
  ['backticks', `\`touch ${P('pwned-tick')}\``],
  ['backticks with id', '`id`'],
  ['quote break-out', "'; rm -rf ~'"],
  ['quote break-out with touch', `'; touch ${P('pwned-quote')}; '`],
  ['double quote break-out', `"; touch ${P('pwned-dq')}; "`],
  ['semicolon', `x; touch ${P('pwned-semi')}`],
  ['pipe and redirect', `a | tee ${P('pwned-pipe')} > ${P('pwned-redir')}`],
  ['ampersand', `& touch ${P('pwned-amp')} &`],
  ['variables', '$HOME ${HOME} $0 $$ $@ $1'],
  ['escaped quote', `\\'; touch ${P('pwned-esc')}; echo \\'`],
  ['glob', '* ? [a-z] ~ ~root'],
  ['newlines', `line1\nline2\n\ntouch ${P('pwned-nl')}\n`],
  ['carriage return and tab', 'a\r\tb'],
  ['unicode', 'héllo wörld ☃ 🎉 中文 \u2028 \u2029 \u00a0'],
  ['backslashes', 'C:\\path\\to\\file \\n \\\\ \\x41'],
  ['empty', ''],
  ['only quotes', `'"'"'"`],
  ['leading dash', '-n -e --help'],
  ['percent and bang', '%PATH% !x! ^ 100%'],
  ['python escapes', '\\u0041 {0} %s \\N{BULLET} \'\'\' """'],
  ['control characters', '\x01\x07\x1b[31mred\x1b[0m\x7f'],
  ['template-looking value', '{{NAME}} {{raw NAME}} $& $1'],
];

function sandboxClean(t: Tap) {
  const files = readdirSync(sandbox).filter((f) => f !== 'canary');
  t.same(files, [], 'no file was created by any value');
  t.ok(existsSync(P('canary')), 'the canary survived');
  for (const f of files) rmSync(P(f), { recursive: true, force: true });
  writeFileSync(P('canary'), 'alive');
}

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  return undefined;
}
type Tap = Test;

function run(argv: [string, string[]], extraEnv: Record<string, string> = {}): { stdout: Buffer; status: number | null; stderr: string } {
  const r = spawnSync(argv[0], argv[1], { cwd: sandbox, env: { PATH: process.env.PATH, HOME: sandbox, LC_ALL: 'C.UTF-8', PYTHONIOENCODING: 'utf-8', ...extraEnv } });
  return { stdout: r.stdout, status: r.status, stderr: r.stderr.toString() };
}

/** Render and run as the worker does: the command plus the variables its references read. */
function runRendered(executor: string, template: string, vars: Record<string, string>): { stdout: Buffer; status: number | null; stderr: string } {
  const cmd = render(template, vars, executor);
  const file = executor === 'node' ? process.execPath : executor;
  return run(executorArgv(file, cmd), templateEnv(cmd, vars));
}

// Each value is its own template variable; the outputs are NUL-separated.
const VARS = Object.fromEntries(HOSTILE.map(([, v], i) => [`V${i}`, v]));

function split(out: Buffer): string[] {
  const parts: string[] = [];
  for (let i = 0, start = 0; i <= out.length; i++) {
    if (i === out.length || out[i] === 0) {
      parts.push(out.subarray(start, i).toString('hex'));
      start = i + 1;
    }
  }
  return parts;
}

function checkEach(t: Tap, who: string, out: Buffer, expect: (v: string) => string = (v) => v) {
  const parts = split(out);
  HOSTILE.forEach(([name, value], i) => t.equal(parts[i], Buffer.from(expect(value)).toString('hex'), `${who}: ${name} comes out byte for byte`));
  t.equal(parts.length, HOSTILE.length, `${who}: one output per value`);
}

/**
 * POSIX contexts: a snippet around a `{{V}}` and what it prints for a value. Snippets are
 * joined by `printf '\0'` lines, so one shell run checks every value in one context.
 */
const POSIX_CONTEXTS: Array<{ name: string; snippet: (tag: string) => string; out: (v: string) => string; shells?: string[] }> = [
  { name: 'bare word', snippet: (x) => `printf '%s' ${x}`, out: (v) => v },
  { name: 'bare, glued to text', snippet: (x) => `printf '%s' a${x}b`, out: (v) => `a${v}b` },
  { name: 'inside "…" (the issue)', snippet: (x) => `printf '%s' "hi ${x}x"`, out: (v) => `hi ${v}x` },
  { name: "inside '…'", snippet: (x) => `printf '%s' '<${x}>'`, out: (v) => `<${v}>` },
  { name: 'inside \'…\' inside "…"', snippet: (x) => `printf '%s' "'${x}'"`, out: (v) => `'${v}'` },
  { name: "inside $'…'", snippet: (x) => `printf '%s' $'<\\t${x}>'`, out: (v) => `<\t${v}>`, shells: ['bash', 'zsh'] },
  { name: 'inside $(…)', snippet: (x) => `printf '%s' "$(printf '%s.' ${x})"`, out: (v) => `${v}.` },
  { name: 'inside "…" in $(…) in "…"', snippet: (x) => `printf '%s' "[$(printf '%s' "<${x}>")]"`, out: (v) => `[<${v}>]` },
  { name: 'inside backticks', snippet: (x) => `x=\`printf '%s.' ${x}\`; printf '%s' "$x"`, out: (v) => `${v}.` },
  { name: 'inside "…" in backticks', snippet: (x) => `x=\`printf '%s.' "<${x}>"\`; printf '%s' "$x"`, out: (v) => `<${v}>.` },
  { name: 'in a here-document', snippet: (x) => `cat <<EOF\n<${x}> $(printf x) \`printf y\`\nEOF`, out: (v) => `<${v}> x y\n` },
  { name: 'in a <<- here-document', snippet: (x) => `cat <<-END\n\t${x}\n\tEND`, out: (v) => `${v}\n` },
  { name: 'after a comment', snippet: (x) => `printf '%s' ${x} # a comment with ${x} and ' "`, out: (v) => v },
  { name: 'in [[ … == … ]]', snippet: (x) => `[[ ${x} == ${x} ]] && printf '%s' ${x}`, out: (v) => v, shells: ['bash', 'zsh'] },
  { name: 'as an assignment', snippet: (x) => `v=${x}; printf '%s' "$v"`, out: (v) => v },
];

const SHELLS = ['sh', 'dash', 'bash', 'zsh'];

for (const shell of SHELLS) {
  t.test(`${shell}: every context prints every hostile value exactly and runs none of it`, { skip: which(shell) ? false : `${shell} is not installed` }, async (t) => {
    for (const c of POSIX_CONTEXTS) {
      if (c.shells && !c.shells.includes(shell)) continue;
      const tpl = HOSTILE.map((_, i) => c.snippet(`{{V${i}}}`)).join("\nprintf '\\0'\n");
      const r = runRendered(shell, tpl, VARS);
      t.equal(r.status, 0, `${shell}, ${c.name}: exits 0 ${r.stderr}`);
      checkEach(t, `${shell}, ${c.name}`, r.stdout, c.out);
    }
    sandboxClean(t);
  });
}

t.test('the issue: echo "hi {{NAME}}" with NAME=$(touch …) prints it and touches nothing', async (t) => {
  for (const shell of SHELLS.filter((s) => which(s))) {
    const r = runRendered(shell, 'echo "hi {{NAME}}"', { NAME: `$(touch ${P('PWNED')})` });
    t.equal(r.stdout.toString(), `hi $(touch ${P('PWNED')})\n`, shell);
  }
  sandboxClean(t);
});

t.test('fast-check: random hostile values come out exactly, in every context', async (t) => {
  const piece = fc.constantFrom(
    "'",
    '"',
    '`',
    '$',
    '(',
    ')',
    '{',
    '}',
    '\\',
    '\n',
    ' ',
    '*',
    ';',
    '|',
    '&',
    '#',
    '!',
    '-',
    'EOF',
    `$(touch ${P('fc')})`,
    '`touch x`',
    'a',
    'é',
    '\t',
  );
  const value = fc.array(piece, { maxLength: 12 }).map((p) => p.join(''));
  const shells = SHELLS.filter((s) => which(s));
  fc.assert(
    fc.property(fc.array(value, { minLength: 1, maxLength: 6 }), fc.constantFrom(...shells), (values, shell) => {
      const vars = Object.fromEntries(values.map((v, i) => [`R${i}`, v]));
      for (const c of POSIX_CONTEXTS) {
        if (c.shells && !c.shells.includes(shell)) continue;
        const tpl = values.map((_, i) => c.snippet(`{{R${i}}}`)).join("\nprintf '\\0'\n");
        const r = runRendered(shell, tpl, vars);
        const got = split(r.stdout);
        if (r.status !== 0 || got.join() !== values.map((v) => Buffer.from(c.out(v)).toString('hex')).join()) {
          throw new Error(`${shell}, ${c.name}: ${JSON.stringify(values)} printed ${JSON.stringify(r.stdout.toString())} ${r.stderr}`);
        }
      }
    }),
    { numRuns: 25 },
  );
  sandboxClean(t);
});

t.test(
  'python: {{NAME}} reads the environment as an expression; string literals (f-strings too) refuse it',
  { skip: which('python3') ? false : 'python3 is not installed' },
  async (t) => {
    const tags = HOSTILE.map((_, i) => `{{V${i}}}`);
    const r = runRendered(
      'python3',
      `import sys\n# {{V0}} in a comment\nsys.stdout.buffer.write(b"\\0".join(v.encode("utf-8", "surrogatepass") for v in [${tags.join(', ')}]))`,
      VARS,
    );
    t.equal(r.status, 0, `python3 exits 0 ${r.stderr}`);
    checkEach(t, 'python3', r.stdout);
    for (const tpl of ['print("hi {{X}}")', "print('{{X}}')", 'print("""\n{{X}}""")', 'print(r"{{X}}")', 'print(f"hi {{X}}")']) {
      t.throws(() => render(tpl, { X: 'x' }, 'python3'), /\{\{X\}\}: it cannot go inside a string literal/, `refused: ${tpl}`);
    }
    sandboxClean(t);
  },
);

t.test('node: {{NAME}} reads the environment, as an expression and in template-literal code', async (t) => {
  const tags = HOSTILE.map((_, i) => `{{V${i}}}`);
  const r = runRendered('node', `// {{V0}}\n/* {{V1}} */ const re = /'"/; process.stdout.write([${tags.join(', ')}].join("\\0"))`, VARS);
  t.equal(r.status, 0, `node exits 0 ${r.stderr}`);
  checkEach(t, 'node', r.stdout);
  const f = runRendered('node', 'process.stdout.write(`<${ {{V1}} }>`)', VARS);
  t.equal(f.stdout.toString(), `<${VARS.V1}>`, 'inside ${…} of a template literal');
  for (const tpl of ['console.log("hi {{X}}")', "console.log('{{X}}')", 'console.log(`hi {{X}}`)']) {
    t.throws(() => render(tpl, { X: 'x' }, 'node'), /\{\{X\}\}: it cannot go inside a string literal/, `refused: ${tpl}`);
  }
  sandboxClean(t);
});

t.test('POSIX contexts where no reference is safe are refused, with what to do', async (t) => {
  const refused: Array<[string, RegExp]> = [
    ['echo $(( {{X}} + 1 ))', /arithmetic/],
    ['(( n = {{X}} ))', /arithmetic/],
    ['echo $[{{X}}]', /arithmetic/],
    ['let n={{X}}', /arithmetic/],
    ['a[{{X}}]=1', /arithmetic/],
    ['[[ {{X}} -eq 3 ]] && echo y', /arithmetic/],
    ['declare -i n\nn={{X}}', /integer variable/],
    ['echo ${Y:-{{X}}}', /inside \$\{…\}/],
    ["cat <<'EOF'\n{{X}}\nEOF", /quoted delimiter/],
    ['cat <<"EOF"\n{{X}}\nEOF', /quoted delimiter/],
    ['cat <<\\EOF\n{{X}}\nEOF', /quoted delimiter/],
    ['echo \\{{X}}', /backslash/],
  ];
  for (const [tpl, why] of refused) {
    const err = thrown(() => render(tpl, { X: 'a[$(touch x)]' }, 'bash'));
    t.ok(err instanceof TemplateError, `refused: ${JSON.stringify(tpl)}`);
    t.match((err as Error).message, why, JSON.stringify(tpl));
    t.match((err as Error).message, /^line \d+: \{\{X\}\}: /);
    t.equal(placementProblems(tpl, 'bash').length, 1, `types validate finds it too: ${JSON.stringify(tpl)}`);
  }
  // Still fine: the same constructs where the value is not in them.
  for (const tpl of ['echo $(( 1 + 1 )) {{X}}', "cat <<EOF\n{{X}}\nEOF\ncat <<'EOF'\nlit\nEOF", 'echo ${Y:-y} {{X}}', '[[ {{X}} == a ]] || [[ 1 -eq 1 ]]']) {
    t.doesNotThrow(() => render(tpl, { X: 'x' }, 'bash'), tpl);
  }
  t.throws(() => render('echo {{raw X}}', { X: 'a\0b' }, 'bash'), /NUL/, 'a NUL in a spliced value is refused');
  t.throws(() => render('echo \0 {{X}}', { X: 'x' }, 'bash'), /NUL/, 'a NUL in the command is refused');
});

t.test('references by executor: what {{X}} becomes in each context', async (t) => {
  const table: Array<[string, string, string]> = [
    ['bash', 'echo {{X}}', 'echo "${BLANKET_V_X}"'],
    ['sh', 'echo "a{{X}}b"', 'echo "a${BLANKET_V_X}b"'],
    ['zsh', "echo 'a{{X}}b'", `echo 'a'"\${BLANKET_V_X}"'b'`],
    ['bash', "echo $'a{{X}}b'", `echo $'a'"\${BLANKET_V_X}"$'b'`],
    ['fish', 'echo {{X}} "a{{X}}b" \'a{{X}}b\'', `echo "$BLANKET_V_X" "a""$BLANKET_V_X""b" 'a'"$BLANKET_V_X"'b'`],
    ['python3', 'print({{X}})', 'print(__import__("os").environ["BLANKET_V_X"])'],
    ['/usr/bin/python3.12', 'print({{X}})', 'print(__import__("os").environ["BLANKET_V_X"])'],
    ['node', 'console.log({{X}})', 'console.log(process.env["BLANKET_V_X"])'],
    ['pwsh', 'Write-Output {{X}} "a{{X}}b"', 'Write-Output ${env:BLANKET_V_X} "a${env:BLANKET_V_X}b"'],
    ['cmd', 'echo {{X}} "a {{X}} b"', 'echo "x y" "a x y b"'],
  ];
  for (const [executor, tpl, want] of table) t.equal(render(tpl, { X: 'x y' }, executor), want, `${executor}: ${tpl}`);
  t.throws(() => render("Write-Output '{{X}}'", { X: 'x' }, 'pwsh'), /cannot go inside a '…' string/);
  // cmd has no safe reference (%X% is expanded before parsing): it refuses what it cannot quote.
  for (const value of ['%PATH%', '!x!', 'a^b', 'say "hi"', 'two\nlines', 'cr\r']) {
    t.ok(thrown(() => render('echo {{X}}', { X: value }, 'cmd')) instanceof TemplateError, `cmd refuses ${JSON.stringify(value)}`);
  }
  for (const executor of ['ruby', 'perl', 'php']) {
    t.throws(() => render('puts {{X}}', { X: 'x' }, executor), new RegExp(`${executor} has no safe way .*every task variable is exported`), executor);
  }
});

t.test('templateEnv: exactly the values the references read', async (t) => {
  const cmd = render('echo {{A}} "{{B_C}}" {{OPT}}', { A: 'a', B_C: 'b c', OPT: '' }, 'bash');
  t.same(
    templateEnv(cmd, { A: 'a', B_C: 'b c', OTHER: 'o' }),
    { BLANKET_V_A: 'a', BLANKET_V_B_C: 'b c', BLANKET_V_OPT: '' },
    'an optional variable not given reads empty, as the template would have inserted',
  );
});

t.test('quoteStyle by executor', async (t) => {
  const table: Array<[string, string]> = [
    ['bash', 'posix'],
    ['sh', 'posix'],
    ['/bin/zsh', 'posix'],
    ['ksh', 'posix'],
    ['python3', 'python'],
    ['python3.12', 'python'],
    ['/usr/bin/python', 'python'],
    ['pypy3', 'python'],
    ['node', 'node'],
    ['powershell', 'powershell'],
    ['PWSH.EXE', 'powershell'],
    ['C:\\Windows\\System32\\cmd.exe', 'cmd'],
    ['fish', 'fish'],
    ['ruby', 'none'],
  ];
  for (const [executor, want] of table) t.equal(quoteStyle(executor), want, executor);
});

t.test('{{raw NAME}} and {{.NAME}} splice the value unquoted', async (t) => {
  const vars = { CMD: 'echo $((1+2)) `echo x`', X: "a'b" };
  t.equal(render('{{raw CMD}}', vars, 'bash'), 'echo $((1+2)) `echo x`');
  t.equal(render('{{ raw   CMD }}', vars, 'bash'), 'echo $((1+2)) `echo x`');
  t.equal(render('{{.CMD}}', vars, 'bash'), 'echo $((1+2)) `echo x`');
  t.equal(render('{{ .CMD }}', vars, 'bash'), 'echo $((1+2)) `echo x`');
  t.equal(render('{{.MISSING}}!', vars, 'bash'), '!', 'a missing {{.NAME}} renders empty, as in Go blanket');
  t.equal(render('{{X}} {{raw X}} {{.X}}', vars, 'bash'), `"\${BLANKET_V_X}" a'b a'b`);
  const r = run(['sh', ['-c', render('{{raw CMD}}', vars, 'sh')]]);
  t.equal(r.stdout.toString(), '3 x\n', 'raw really runs as shell code');
});

t.test('a variable whose name starts with "raw" is still quoted', async (t) => {
  for (const name of ['raw', 'rawdata', 'raw_sql', 'rawINPUT']) {
    const value = `$(touch ${P(`pwned-${name}`)})`;
    const cmd = render(`printf '%s' {{${name}}}`, { [name]: value }, 'sh');
    t.equal(cmd, `printf '%s' "\${BLANKET_V_${name}}"`, `{{${name}}} is a reference`);
    t.same(scan(`{{${name}}}`), [{ name, mode: 'quoted', line: 1 }]);
    t.equal(runRendered('sh', `printf '%s' {{${name}}}`, { [name]: value }).stdout.toString(), value);
  }
  sandboxClean(t);
});

t.test('scan reports every use with its mode and line', async (t) => {
  t.same(scan('a {{A}}\nb {{raw B}}\n\n{{.C}} {{ D }}'), [
    { name: 'A', mode: 'quoted', line: 1 },
    { name: 'B', mode: 'raw', line: 2 },
    { name: 'C', mode: 'go', line: 4 },
    { name: 'D', mode: 'quoted', line: 4 },
  ]);
  t.same(scan('no tags { } {x} $HOME'), []);
});

t.test('tags it does not understand are errors, with their line', async (t) => {
  const bad: Array<[string, number]> = [
    ['{{}}', 1],
    ['{{ }}', 1],
    ['{{.}}', 1],
    ['x\n{{foo bar}}', 2],
    ['{{raw}}x{{raw 1A}}', 1],
    ['{{$x}}', 1],
    ['{{ .A.B }}', 1],
    ['{{A|upper}}', 1],
    ['{{ printf "%s" .A }}', 1],
    ['\n\n{{if .A}}x{{end}}', 3],
    ['{{1ABC}}', 1],
  ];
  for (const [tpl, line] of bad) {
    let err: unknown;
    try {
      scan(tpl);
    } catch (e) {
      err = e;
    }
    t.ok(err instanceof TemplateError, `${JSON.stringify(tpl)} is refused`);
    t.equal((err as TemplateError).line, line, `${JSON.stringify(tpl)}: line ${line}`);
    t.match((err as Error).message, /is not understood: use \{\{NAME\}\} \(quoted\)/);
    t.ok(thrown(() => render(tpl, { A: 'a', raw: 'r', x: 'x' }, 'sh')) instanceof TemplateError, 'render refuses it too');
  }
});

t.test('a quoted or raw variable without a value is an error', async (t) => {
  t.throws(() => render('{{A}}', {}, 'sh'), /template uses A, which has no value/);
  t.throws(() => render('{{raw A}}', {}, 'sh'), /template uses A/);
  t.throws(() => render('{{toString}}', {}, 'sh'), /template uses toString/, 'inherited names are not values');
  t.throws(() => render('{{__proto__}}', {}, 'sh'), /template uses __proto__/);
});

t.test('shellJoin quotes each word so the shell sees the same argv', async (t) => {
  const argvs: string[][] = [
    ['make', 'test'],
    ['sh', '-c', 'echo hi; exit 3'],
    ['echo', "it's", '$HOME', '`id`', '', 'a b', '*'],
    ['printf', '%s\n', 'x=1', 'a,b', 'path/to:file', '@me', '+1'],
  ];
  t.equal(shellJoin(argvs[0]!), 'make test', 'plain words stay plain');
  t.equal(shellJoin(argvs[1]!), "sh -c 'echo hi; exit 3'");
  for (const argv of argvs) {
    const words = argv.slice(1);
    const r = run(['sh', ['-c', `for a in ${shellJoin(words) || "''"}; do printf '[%s]' "$a"; done`]]);
    t.equal(r.stdout.toString(), (words.length ? words : ['']).map((w) => `[${w}]`).join(''), `argv ${JSON.stringify(argv)}`);
  }
  sandboxClean(t);
});
