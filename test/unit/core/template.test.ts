import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import t, { type Test } from 'tap';
import { quoteFor, quoteStyle, render, scan, shellJoin, TemplateError } from '../../../src/core/template.js';
import { which } from '../../../src/daemon/types/which.js';

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

// All values go through one process per interpreter (one spawn each keeps this fast);
// each value is its own template variable, and the outputs are NUL-separated.
const VARS = Object.fromEntries(HOSTILE.map(([, v], i) => [`V${i}`, v]));
const tags = HOSTILE.map((_, i) => `{{V${i}}}`);

function checkEach(t: Tap, who: string, out: Buffer) {
  const parts: string[] = [];
  for (let i = 0, start = 0; i <= out.length; i++) {
    if (i === out.length || out[i] === 0) {
      parts.push(out.subarray(start, i).toString('hex'));
      start = i + 1;
    }
  }
  HOSTILE.forEach(([name, value], i) => t.equal(parts[i], Buffer.from(value).toString('hex'), `${who}: ${name} comes out byte for byte`));
  t.equal(parts.length, HOSTILE.length, `${who}: one output per value`);
}

t.test('posix shells: the rendered command prints every value byte for byte and runs none of it', async (t) => {
  const shells = ['sh', 'bash', 'dash', 'zsh'].filter((s) => which(s));
  t.ok(shells.includes('sh'));
  for (const shell of shells) {
    const cmd = render(`printf '%s\\0' ${tags.slice(0, -1).join(' ')}; printf '%s' ${tags.at(-1)}`, VARS, shell);
    const r = run([shell, ['-c', cmd]]);
    t.equal(r.status, 0, `${shell} exits 0 ${r.stderr}`);
    checkEach(t, shell, r.stdout);
  }
  sandboxClean(t);
});

t.test('python: the rendered literals are the values byte for byte', { skip: which('python3') ? false : 'python3 is not installed' }, async (t) => {
  const cmd = render(`import sys\nsys.stdout.buffer.write(b"\\0".join(v.encode("utf-8") for v in [${tags.join(', ')}]))`, VARS, 'python3');
  const r = run(['python3', ['-c', cmd]]);
  t.equal(r.status, 0, `python3 exits 0 ${r.stderr}`);
  checkEach(t, 'python3', r.stdout);
  sandboxClean(t);
});

t.test('node: the rendered literals are the values byte for byte', async (t) => {
  const cmd = render(`process.stdout.write([${tags.join(', ')}].join("\\0"))`, VARS, 'node');
  const r = run([process.execPath, ['-e', cmd]]);
  t.equal(r.status, 0, `node exits 0 ${r.stderr}`);
  checkEach(t, 'node', r.stdout);
  sandboxClean(t);
});

t.test('fish, powershell and cmd quoting (not installed here: checked by their quoting rules)', async (t) => {
  const cases: Array<[string, string, string]> = [
    ['fish', "it's", "'it\\'s'"],
    ['fish', 'a\\b', "'a\\\\b'"],
    ['fish', '$(touch x) `id` ; |', "'$(touch x) `id` ; |'"],
    ['fish', 'two\nlines', "'two\nlines'"],
    ['/usr/bin/fish', "'; rm -rf ~'", "'\\'; rm -rf ~\\''"],
    ['powershell', "it's", "'it''s'"],
    ['pwsh', '$env:HOME $(Get-Date) `n', "'$env:HOME $(Get-Date) `n'"],
    ['pwsh.exe', 'smart ‘quotes’', "'smart ‘‘quotes’’'"],
    ['cmd', 'a & b | c > d', '"a & b | c > d"'],
    ['cmd.exe', '☃ <x>', '"☃ <x>"'],
  ];
  for (const [executor, value, want] of cases) t.equal(quoteFor(executor, value), want, `${executor}: ${JSON.stringify(value)}`);
  // fish: inside single quotes only \' and \\ are special, so every other character is literal.
  for (const [name, value] of HOSTILE) {
    const q = quoteFor('fish', value);
    const inner = q.slice(1, -1);
    t.equal(inner.replace(/\\([\\'])/g, '$1'), value, `fish: ${name} unescapes to the value`);
    t.notMatch(inner.replace(/\\[\\']/g, ''), /'/, `fish: ${name} has no bare quote`);
  }
  // powershell: inside single quotes only the quote characters are special, doubled.
  for (const [name, value] of HOSTILE) {
    const inner = quoteFor('pwsh', value).slice(1, -1);
    t.equal(inner.replace(/(['\u2018\u2019\u201a\u201b])\1/g, '$1'), value, `powershell: ${name} undoubles to the value`);
  }
  // cmd cannot make these inert, so it refuses them.
  for (const value of ['%PATH%', '!x!', 'a^b', 'say "hi"', 'two\nlines', 'cr\r']) {
    t.ok(thrown(() => quoteFor('cmd', value)) instanceof TemplateError, `cmd refuses ${JSON.stringify(value)}`);
  }
});

t.test('quoteStyle by executor', async (t) => {
  const table: Array<[string, string]> = [
    ['bash', 'posix'],
    ['sh', 'posix'],
    ['/bin/zsh', 'posix'],
    ['ksh', 'posix'],
    ['some-tool', 'posix'],
    ['python3', 'python'],
    ['python3.12', 'python'],
    ['/usr/bin/python', 'python'],
    ['pypy3', 'python'],
    ['node', 'node'],
    ['bun', 'node'],
    ['deno', 'node'],
    ['powershell', 'powershell'],
    ['PWSH.EXE', 'powershell'],
    ['C:\\Windows\\System32\\cmd.exe', 'cmd'],
    ['fish', 'fish'],
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
  t.equal(render('{{X}} {{raw X}} {{.X}}', vars, 'bash'), `'a'\\''b' a'b a'b`);
  const r = run(['sh', ['-c', render('{{raw CMD}}', vars, 'sh')]]);
  t.equal(r.stdout.toString(), '3 x\n', 'raw really runs as shell code');
});

t.test('a variable whose name starts with "raw" is still quoted', async (t) => {
  for (const name of ['raw', 'rawdata', 'raw_sql', 'rawINPUT']) {
    const value = `$(touch ${P(`pwned-${name}`)})`;
    const cmd = render(`printf '%s' {{${name}}}`, { [name]: value }, 'sh');
    t.equal(cmd, `printf '%s' ${quoteFor('sh', value)}`, `{{${name}}} is quoted`);
    t.same(scan(`{{${name}}}`), [{ name, mode: 'quoted', line: 1 }]);
    t.equal(run(['sh', ['-c', cmd]]).stdout.toString(), value);
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
