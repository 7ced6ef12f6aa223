import t from 'tap';
import { DEFAULT_TIMEOUT, parseTypeFile, resolveType, safeRelativePath, TypeFileError, typeToToml, type TypeDraft } from '../../../src/core/tasktype.js';
import type { TypeLoadError } from '../../../src/protocol/model.js';

const FILE = '/types/t.toml';

function errorsOf(text: string, name = 't'): TypeLoadError[] {
  try {
    parseTypeFile(name, FILE, text);
  } catch (err) {
    if (err instanceof TypeFileError) return err.errors;
    throw err;
  }
  return [];
}

function resolveErrors(drafts: Record<string, string>, name: string): TypeLoadError[] {
  const parsed = new Map(Object.entries(drafts).map(([n, text]) => [n, parseTypeFile(n, `/types/${n}.toml`, text)]));
  try {
    resolveType(parsed.get(name)!, (n) => parsed.get(n));
  } catch (err) {
    if (err instanceof TypeFileError) return err.errors;
    throw err;
  }
  return [];
}

function resolved(drafts: Record<string, string>, name: string) {
  const parsed = new Map(Object.entries(drafts).map(([n, text]) => [n, parseTypeFile(n, `/types/${n}.toml`, text)]));
  return resolveType(parsed.get(name)!, (n) => parsed.get(n));
}

t.test('a full valid file', async (t) => {
  const text = `# comment
description = "Does a thing"
documentation = "long text"
tags = ["unix", "gpu:a100", "x.y+z-1"]
executor = "/usr/bin/python3"
command = '''
print({{NAME}})
'''
timeout = 30
retries = 2
retry_backoff = "1m30s"
priority = -5
max_concurrent = 3
cwd = "/srv"
combined_output = true
files = [{ name = "sub/dir/a.txt", content = "x {{NAME}}" }]

[[environment.required]]
name = "NAME"
description = "who"

[[environment.default]]
name = "LEVEL"
value = "3"

[[environment.optional]]
name = "EXTRA"
`;
  const info = resolveType(parseTypeFile('t', FILE, text), () => undefined);
  t.match(info, {
    name: 't',
    source: FILE,
    description: 'Does a thing',
    tags: ['unix', 'gpu:a100', 'x.y+z-1'],
    executor: '/usr/bin/python3',
    command: 'print({{NAME}})\n',
    timeout: 30,
    retries: 2,
    retryBackoff: 90_000,
    priority: -5,
    maxConcurrent: 3,
    cwd: '/srv',
    combinedOutput: true,
    files: [{ name: 'sub/dir/a.txt', content: 'x {{NAME}}' }],
    environment: {
      required: [{ name: 'NAME', description: 'who' }],
      default: [{ name: 'LEVEL', value: '3' }],
      optional: [{ name: 'EXTRA' }],
    },
    warnings: [],
  });
});

t.test('defaults of a minimal file', async (t) => {
  const info = resolveType(parseTypeFile('min', FILE, 'command = "true"'), () => undefined);
  t.match(info, {
    description: '',
    executor: 'bash',
    timeout: DEFAULT_TIMEOUT,
    retries: 0,
    retryBackoff: 10_000,
    priority: 0,
    maxConcurrent: 0,
    files: [],
    tags: [],
    combinedOutput: false,
  });
  t.notOk('cwd' in info);
  t.notOk('extends' in info);
});

t.test('every field is validated, with file and line', async (t) => {
  // [text, line of the error, message pattern]
  const cases: Array<[string, number | undefined, RegExp]> = [
    ['command = "x"\ndescription = 3', 2, /^description: must be a string/],
    ['command = "x"\n\ndocumentation = []', 3, /^documentation: must be a string/],
    ['command = 1', 1, /^command: must be a string/],
    ['command = "x"\nexecutor = "bash -x"', 2, /^executor: must be a program name/],
    ['command = "x"\nexecutor = "sh;rm"', 2, /^executor: must be a program name/],
    ['command = "x"\nexecutor = 5', 2, /^executor: must be a string/],
    ['command = "x"\n\nexecutor = "ruby-ish"', 3, /^executor: unknown executor "ruby-ish": blanket knows how to give a command to sh, bash.*set executor = "bash"/],
    ['command = "x"\nallow_raw = "yes"', 2, /^allow_raw: must be true or false/],
    ['command = "x"\non_failure = "echo {{raw OUTPUT}}"', 2, /^on_failure: \{\{raw OUTPUT\}\} would run the task's OUTPUT as shell code/],
    ['command = "x"\ncwd = false', 2, /^cwd: must be a string/],
    ['command = "x"\nextends = ["a"]', 2, /^extends: must be a string/],
    ['command = "x"\ntimeout = -1', 2, /^timeout: must be a whole number from 0 to 315360000/],
    ['command = "x"\ntimeout = 1.5', 2, /^timeout: must be a whole number/],
    ['command = "x"\ntimeout = "10"', 2, /^timeout: must be a whole number/],
    ['command = "x"\ntimeout = 99999999999999999999', 2, /^timeout: must be a whole number/],
    ['command = "x"\nretries = 1001', 2, /^retries: must be a whole number from 0 to 1000/],
    ['command = "x"\npriority = 1000001', 2, /^priority: must be a whole number from -1000000 to 1000000/],
    ['command = "x"\nmax_concurrent = -1', 2, /^max_concurrent: must be a whole number from 0/],
    ['command = "x"\ncombined_output = "yes"', 2, /^combined_output: must be true or false/],
    ['command = "x"\nretry_backoff = "soon"', 2, /^retry_backoff: must be a duration/],
    ['command = "x"\nretry_backoff = -5', 2, /^retry_backoff: must be a duration/],
    ['command = "x"\nretry_backoff = true', 2, /^retry_backoff: must be a duration/],
    ['command = "x"\ntags = "unix"', 2, /^tags: must be a list of tags/],
    ['command = "x"\ntags = ["has space"]', 2, /^tags: must be a list of tags/],
    ['command = "x"\ntags = [1]', 2, /^tags: must be a list of tags/],
    ['command = "x"\nfiles = [{ name = "a" }]', 2, /^files\[0\]: each file needs a name and a content string/],
    ['command = "x"\nfiles = [{ name = "../up", content = "" }]', 2, /^files\[0\]\.name: "\.\.\/up" must be a relative path/],
    ['command = "x"\nfiles = [{ name = "/etc/passwd", content = "" }]', 2, /^files\[0\]\.name: .* must be a relative path/],
    ['command = "x"\n[[files]]\nname = "ok"\ncontent = ""\n[[files]]\nname = "a/../../b"\ncontent = ""', 5, /^files\[1\]\.name: .* must be a relative path/],
    ['command = "x"\nenvironment = 3', 2, /^environment: must be a table/],
    ['command = "x"\n[[environment]]\nname = "A"', 2, /^environment: must be a table/],
    ['command = "x"\n[[environment.secret]]\nname = "A"', 2, /^environment\.secret: unknown section/],
    ['command = "x"\n[environment]\ndefault = 3', 3, /^environment\.default: must be a list of entries/],
    ['command = "x"\n[[environment.required]]\nname = "1BAD"', 2, /^environment\.required\[0\]\.name: must be an environment variable name/],
    ['command = "x"\n[[environment.required]]\ndescription = "no name"', 2, /^environment\.required\[0\]\.name/],
    [
      'command = "x"\n[[environment.default]]\nname = "A"\nvalue = "1"\n[[environment.default]]\nname = "B"\nvalue = 3',
      5,
      /^environment\.default\[1\]\.value: B needs a string value \(quote numbers/,
    ],
    ['command = "x"\n[[environment.default]]\nname = "A"', 2, /^environment\.default\[0\]\.value: A needs a string value/],
    ['command = "x"\n\n  [[environment.default]]\n  name = "A"\n  value = "1"\n\n  [[environment.default]]\n  name = "B"', 7, /^environment\.default\[1\]\.value: B needs/],
    ['command = "x"\n[[environment.optional]]\nname = "A"\ndescription = 1', 2, /^environment\.optional\[0\]\.description: must be a string/],
    ['command = "x"\n[[environment.optional]]\nname = "A"\nrequired = true', 2, /^environment\.optional\[0\]: unknown field required/],
    ['command = "x"\ncomand = "typo"', 2, /^comand: unknown field \(known: description, /],
    ['command = "x"\n"a(b" = 1', 2, /^a\(b: unknown field/],
    ['command = "x"\n"[x" = 1', 2, /^\[x: unknown field/],
    ['command = "x"\n"a+" = 1', 2, /^a\+: unknown field/],
    ['command = "echo {{bad tag}}"', 1, /^command: template tag \{\{bad tag\}\} is not understood/],
    ["command = '''\necho ok\necho {{.}}\n'''", 3, /^command: template tag/],
    ['description = "x"\n\ncommand = """\n\necho {{ a b }}"""', 5, /^command: template tag/],
    ["command = '''echo {{bad tag}}'''", 1, /^command: template tag/],
  ];
  for (const [text, line, message] of cases) {
    const errs = errorsOf(text);
    t.equal(errs.length, 1, `${JSON.stringify(text)} gives one error: ${JSON.stringify(errs)}`);
    t.equal(errs[0]?.file, FILE);
    t.equal(errs[0]?.line, line, `${JSON.stringify(text)}: line ${line}`);
    t.match(errs[0]?.message, message);
  }
});

t.test('every problem of a file is reported at once', async (t) => {
  const errs = errorsOf('command = 1\ntimeout = "x"\nretries = -1\nbogus = 1\n');
  t.same(
    errs.map((e) => [e.line, e.message.split(':')[0]]),
    [
      [4, 'bogus'],
      [1, 'command'],
      [2, 'timeout'],
      [3, 'retries'],
    ],
  );
  t.match(new TypeFileError(errs).message, /^\/types\/t\.toml:4: bogus: unknown field/m);
});

t.test('invalid TOML gives the line', async (t) => {
  const cases: Array<[string, number]> = [
    ['command = "x"\ntimeout = \n', 2],
    ['description = "a"\n\n[environment\n', 3],
    ['command = "unterminated\n', 1],
    ['command = "x"\ncommand = "y"\n', 2],
    ['a = 1\nb = 2\nc = 3\nd = [1,\n2,\n}', 6],
  ];
  for (const [text, line] of cases) {
    const errs = errorsOf(text);
    t.equal(errs.length, 1);
    t.equal(errs[0]?.line, line, `${JSON.stringify(text)} → line ${line}`);
    t.match(errs[0]?.message, /^invalid TOML: /);
    t.notMatch(errs[0]?.message, /row \d+, col \d+/, 'no duplicate position in the message');
  }
});

t.test('the file name must be a type name', async (t) => {
  t.match(errorsOf('command = "x"', 'has space'), [{ message: /^name: the file name "has space" is not a valid type name/ }]);
  t.same(errorsOf('command = "x"', 'ok_name-1.v2'), []);
});

t.test('safeRelativePath', async (t) => {
  const table: Array<[string, boolean]> = [
    ['a.txt', true],
    ['dir/a.txt', true],
    ['.hidden', true],
    ['a..b', true],
    ['', false],
    ['/abs', false],
    ['\\abs', false],
    ['C:x', false],
    ['..', false],
    ['a/../b', false],
    ['a\\..\\b', false],
    ['a//b', false],
    ['a/', false],
    ['nul\0byte', false],
  ];
  for (const [p, want] of table) t.equal(safeRelativePath(p), want, JSON.stringify(p));
});

t.test('extends: chains, overrides and env merge', async (t) => {
  const types = {
    base: `description = "base"\nexecutor = "sh"\ncommand = "echo {{A}} {{B}}"\ntimeout = 5\ntags = ["unix"]\n[[environment.required]]\nname = "A"\n[[environment.default]]\nname = "B"\nvalue = "b0"\n[[environment.optional]]\nname = "C"\n`,
    mid: `extends = "base"\ntimeout = 7\ntags = ["gpu"]\n[[environment.default]]\nname = "A"\nvalue = "a1"\n`,
    leaf: `extends = "mid"\ndescription = "leaf"\nretries = 2\n[[environment.required]]\nname = "B"\n[[environment.default]]\nname = "D"\nvalue = "d"\n`,
  };
  const leaf = resolved(types, 'leaf');
  t.equal(leaf.extends, 'mid');
  t.equal(leaf.description, 'leaf');
  t.equal(leaf.executor, 'sh', 'inherited from base, two levels up');
  t.equal(leaf.command, 'echo {{A}} {{B}}');
  t.equal(leaf.timeout, 7, 'the nearest definition wins');
  t.equal(leaf.retries, 2);
  t.same(leaf.tags.sort(), ['gpu', 'unix'], 'tags accumulate');
  t.same(
    leaf.environment,
    {
      default: [
        { name: 'A', value: 'a1' },
        { name: 'D', value: 'd' },
      ],
      required: [{ name: 'B' }],
      optional: [{ name: 'C' }],
    },
    'a child moves a variable between sections; each name is in one section only',
  );
  t.same(leaf.warnings, []);
  const mid = resolved(types, 'mid');
  t.same(mid.environment.required, []);
  t.same(mid.environment.default.map((f) => f.name).sort(), ['A', 'B']);
});

t.test('extends: missing parent, cycles and no command', async (t) => {
  t.match(resolveErrors({ a: 'extends = "ghost"' }, 'a'), [{ file: '/types/a.toml', message: 'extends: no task type named "ghost"' }]);
  t.match(resolveErrors({ a: 'extends = "b"\ncommand = "x"', b: 'extends = "a"' }, 'a'), [{ message: /^extends: cycle through a → b → a/ }]);
  t.match(resolveErrors({ a: 'extends = "a"\ncommand = "x"' }, 'a'), [{ message: /^extends: cycle through a → a/ }]);
  t.match(resolveErrors({ a: 'extends = "b"', b: 'extends = "c"', c: 'extends = "b"' }, 'a'), [{ message: /^extends: cycle through a → b → c → b/ }]);
  t.match(resolveErrors({ a: 'description = "no command"' }, 'a'), [{ message: /^command: missing/ }]);
  t.match(resolveErrors({ a: 'extends = "b"', b: 'description = "neither"' }, 'a'), [{ message: /^command: missing/ }]);
});

t.test('a {{NAME}} where no reference is safe makes the type invalid; allow_raw lets hooks splice', async (t) => {
  const err = t.throws(() => resolved({ a: 'command = "echo $(( {{N}} + 1 ))"\n[[environment.required]]\nname = "N"' }, 'a')) as unknown as TypeFileError;
  t.match(err.message, /command \(executor bash\): line 1: \{\{N\}\}: a value inside shell arithmetic/);
  const py = t.throws(() => resolved({ p: 'executor = "python3"\ncommand = "print(\'hi {{N}}\')"\n[[environment.required]]\nname = "N"' }, 'p')) as unknown as TypeFileError;
  t.match(py.message, /cannot go inside a string literal/);
  const ok = resolved({ r: 'allow_raw = true\ncommand = "true"\non_failure = "echo {{raw OUTPUT}}"' }, 'r');
  t.equal(ok.allowRaw, true);
  t.match(typeToToml(ok), /^allow_raw = true$/m, 'export keeps the opt-in');
});

t.test('warnings: Go spelling, undeclared variables, unannounced raw', async (t) => {
  const go = resolved({ g: 'command = """\necho start\necho {{.NAME}}"""\n[[environment.default]]\nname = "NAME"\nvalue = "x"' }, 'g');
  t.match(go.warnings, [/^command line 2: \{\{\.NAME\}\} inserts NAME unquoted .* write \{\{NAME\}\} to have it passed safely/]);
  t.equal(go.warnings.length, 1);

  const undeclared = resolved({ u: 'command = "echo {{WHO}} {{WHO}} {{BLANKET_APP_X}}"' }, 'u');
  t.same(undeclared.warnings, ['command uses WHO, which the environment does not declare: tasks must pass -e WHO=…'], 'once per name; BLANKET_APP_ names are provided');

  const raw = resolved({ r: 'description = "runs things"\ncommand = "{{raw CMD}}"\n[[environment.required]]\nname = "CMD"' }, 'r');
  t.match(raw.warnings, [/^command splices CMD unquoted/]);
  const rawSaid = resolved({ r: 'description = "runs CMD (raw: run as shell code)"\ncommand = "{{raw CMD}}"\n[[environment.required]]\nname = "CMD"' }, 'r');
  t.same(rawSaid.warnings, []);

  const quoted = resolved({ q: 'command = "echo {{A}}"\n[[environment.optional]]\nname = "A"' }, 'q');
  t.same(quoted.warnings, []);
});

t.test('a parsed draft keeps only what the file says', async (t) => {
  const d: TypeDraft = parseTypeFile('x', FILE, 'extends = "y"\ntimeout = 0');
  t.same(d, { name: 'x', source: FILE, extends: 'y', timeout: 0, environment: { default: [], required: [], optional: [] } });
});

t.test('export: a resolved type as a file that parses back to the same type', async (t) => {
  const { typeToDoc, typeToToml, parseTypeJson, parseTypeText } = await import('../../../src/core/tasktype.js');
  const base = parseTypeFile(
    'base',
    'base.toml',
    'description = "b"\nexecutor = "sh"\ntags = ["unix"]\ncommand = \'\'\'\necho {{A}}\nprintf "%s\\n" \'it\'\\\'\'s\'\n\'\'\'\non_failure = "echo {{ID}}"\n[[environment.required]]\nname = "A"\ndescription = "an \\"a\\" \\u007f"\n[[files]]\nname = "f.txt"\ncontent = "x\\ty\\u0001"\n',
  );
  const leaf = parseTypeFile(
    'leaf',
    'leaf.toml',
    'extends = "base"\nretry_backoff = "1500ms"\nretries = 1\ncombined_output = true\ncwd = "sub"\n[[environment.default]]\nname = "B"\nvalue = "b"\n',
  );
  const info = resolveType(leaf, (n) => (n === 'base' ? base : undefined));
  const toml = typeToToml(info, 'leaf: exported');
  t.match(toml, /^# leaf: exported\n\ndescription = "b"\nexecutor = "sh"/);
  t.notMatch(toml, /extends/, 'extends is applied, not referenced');
  const back = resolveType(parseTypeFile('leaf', 'x.toml', toml), () => undefined);
  const { source: _a, extends: _b, ...want } = info;
  const { source: _c, ...got } = back;
  t.same(got, want, 'TOML: the same type');
  const fromJson = resolveType(parseTypeJson('leaf', 'x.json', JSON.stringify(typeToDoc(info))), () => undefined);
  t.same({ ...fromJson, source: 'x' }, { ...got, source: 'x' }, 'JSON: the same type');
  t.equal(parseTypeText('j', 'j', ' {"command":"true"}').command, 'true', 'JSON detected by its brace');
  t.throws(() => parseTypeJson('j', 'j.json', '[1]'), /must be an object/);
  t.throws(() => parseTypeJson('j', 'j.json', '{"command": 1}'), /command: must be a string/);
});

t.test('the starter file of types new is a valid type for every kind of executor', async (t) => {
  const { starterType } = await import('../../../src/core/starter.js');
  for (const ex of ['bash', 'sh', 'python3', 'node', 'pwsh', 'fish']) {
    const info = resolveType(parseTypeFile('mine', 'mine.toml', starterType('mine', ex)), () => undefined);
    t.equal(info.executor, ex);
    t.same(info.warnings, [], `${ex}: no warnings`);
    t.match(info.command, /\{\{WHO\}\}/);
  }
});

t.test('keep_output, user and group, executor as a list', async (t) => {
  const cases: Array<[string, number | undefined, RegExp]> = [
    ['command = "x"\nkeep_output = "sometimes"', 2, /^keep_output: must be one of "always", "on_failure", "never"/],
    ['command = "x"\nkeep_output = true', 2, /^keep_output: must be one of/],
    ['command = "x"\nuser = "a b"', 2, /^user: must be a user name/],
    ['command = "x"\nuser = 0', 2, /^user: must be a user name/],
    ['command = "x"\ngroup = "staff"', 2, /^group: needs a user/],
    [
      'command = "x"\nexecutor = ["docker", "run", "alpine"]',
      2,
      /^executor: .*must end in a shell blanket knows and its command flag, e\.g\. \["docker", "run", "--rm", "alpine", "sh", "-c"\]/,
    ],
    ['command = "x"\nexecutor = ["docker", "run", "alpine", "sh"]', 2, /^executor: .*must end in a shell/],
    ['command = "x"\nexecutor = []', 2, /^executor: must be a program name, or a list/],
  ];
  for (const [text, line, re] of cases) {
    const errs = errorsOf(text);
    t.equal(errs.length, 1, `${text}: one error (${JSON.stringify(errs)})`);
    t.equal(errs[0]?.line, line, `${text}: line`);
    t.match(errs[0]?.message ?? '', re, text);
  }
  // At load the daemon passes a lookup of this machine's accounts.
  const none = () => false;
  const t1 = () => parseTypeFile('t', FILE, 'command = "x"\nuser = "ghost"\ngroup = "ghosts"', none);
  t.throws(t1, /user: no user named "ghost" on this machine/);
  t.throws(t1, /group: no group named "ghosts" on this machine/);

  const info = resolved(
    {
      base: 'executor = ["docker", "run", "--rm", "alpine", "sh", "-c"]\ncommand = "echo {{A}}"\nkeep_output = "on_failure"\nuser = "nobody"\ngroup = "nogroup"\n[[environment.required]]\nname = "A"',
      child: 'extends = "base"\nuser = "postgres"',
      plain: 'extends = "base"\nexecutor = "sh"',
    },
    'child',
  );
  t.equal(info.executor, 'docker');
  t.same(info.executorArgs, ['run', '--rm', 'alpine', 'sh', '-c']);
  t.equal(info.keepOutput, 'on_failure', 'inherited');
  t.equal(info.user, 'postgres');
  t.notOk('group' in info, "a child's user does not take its parent's group");
  const back = resolveType(parseTypeFile('child', 'x.toml', typeToToml(info)), () => undefined);
  t.same([back.executor, back.executorArgs, back.keepOutput, back.user], ['docker', info.executorArgs, 'on_failure', 'postgres'], 'exported and read back');
  const plain = resolved({ base: 'executor = ["docker", "run", "sh", "-c"]\ncommand = "true"', plain: 'extends = "base"\nexecutor = "sh"' }, 'plain');
  t.same([plain.executor, plain.executorArgs], ['sh', undefined], 'a string executor replaces the whole list');
  t.equal(resolveType(parseTypeFile('min', FILE, 'command = "true"'), () => undefined).keepOutput, 'always', 'default always');
  // The template is checked for the shell at the end of the list: python's rules for python3 -c.
  t.match(
    resolveErrors({ py: 'executor = ["ssh", "host", "python3", "-c"]\ncommand = "print(\'{{A}}\')"\n[[environment.required]]\nname = "A"' }, 'py')[0]?.message ?? '',
    /command \(executor python3\)/,
  );
});
