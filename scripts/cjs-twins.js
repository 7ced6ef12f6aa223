// Writes dist/cjs/: a CommonJS twin of the CLI's fast path (src/cli/fast.ts), of every command
// spec and of every dist module they reach (statically or by import()), which bin/run.js runs
// instead of the ES modules. Node 20's ES module loader costs every CLI call its own start-up
// and, per module, URL and path work and asynchronous reads; CommonJS files load with less
// (docs/performance.md has the figures). Run by `npm run build`, after tsc.
//
// Each twin is the compiled dist/*.js file converted to CommonJS by TypeScript's transpiler.
// Packages stay outside: CommonJS ones are required, ESM-only ones (ink) imported before the
// twin that needs them runs. `import()` of our own modules loads their twins too, so one process
// never has two copies of a module. _manifest.json records each source's size and is written
// last: bin/run.js uses the twins only while no source is newer than it or of another size
// (else the ES modules run: slower, but current). The runtime is scripts/cjs-runtime.cjs.
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import ts from 'typescript';

const ROOT = process.cwd();
const DIST = path.join(ROOT, 'dist');
const OUT = path.join(DIST, 'cjs');

const walk = (dir) =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(dir, e.name)) : e.name.endsWith('.js') ? [path.join(dir, e.name)] : []));
const key = (file) => path.relative(DIST, file).split(path.sep).join('/');
const entries = [path.join(DIST, 'cli', 'fast.js'), ...walk(path.join(DIST, 'commands'))];

/** Whether `require()` can load the package from `file` (Node 20 cannot require ESM). */
const requirable = new Map();
function isCommonJs(spec, file) {
  const k = `${path.dirname(file)}\0${spec}`;
  if (!requirable.has(k)) {
    let ok;
    try {
      const resolved = createRequire(file).resolve(spec);
      ok = !resolved.endsWith('.mjs') && !(resolved.endsWith('.js') && typeOfPackage(resolved) === 'module');
    } catch {
      ok = false; // no "require" export: ESM only
    }
    requirable.set(k, ok);
  }
  return requirable.get(k);
}
function typeOfPackage(file) {
  for (let dir = path.dirname(file); dir !== path.dirname(dir); dir = path.dirname(dir)) {
    try {
      return JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')).type ?? 'commonjs';
    } catch {
      // no package.json here: look further up
    }
  }
  return 'commonjs';
}

const modules = new Map(); // key → { code, deps: keys, esm: package specifiers to import first }
const queue = [...entries];
while (queue.length) {
  const file = queue.shift();
  const k = key(file);
  if (modules.has(k)) continue;
  const source = readFileSync(file, 'utf8');
  const clash = /^(?:const|let|var|function|class) (require|module|exports|__bundleImport|__importMeta)\b/m.exec(source);
  if (clash) throw new Error(`${k}: a top-level ${clash[1]} would shadow the bundle's own: rename it`);
  const sf = ts.createSourceFile(file, source, ts.ScriptTarget.ES2022, true, ts.ScriptKind.JS);
  const edits = []; // [start, end, text], applied back to front
  const deps = [];
  const esm = [];
  // deps: what a static import loads with this module, so what preload walks. A target of
  // import() is made a twin too but not preloaded: its packages load when it is imported, after
  // the code before the import() ran (top sets CI=false before Ink reads it).
  const own = (spec, dynamic = false) => {
    if (!spec.startsWith('.')) return false;
    const target = path.resolve(path.dirname(file), spec);
    if (!target.startsWith(DIST + path.sep)) throw new Error(`${k}: import of ${spec} leaves dist/`);
    if (!dynamic) deps.push(key(target));
    queue.push(target);
    return true;
  };
  const visit = (node) => {
    if (ts.isImportDeclaration(node) || (ts.isExportDeclaration(node) && node.moduleSpecifier)) {
      const spec = node.moduleSpecifier.text;
      if (!own(spec) && !spec.startsWith('node:') && !isCommonJs(spec, file)) esm.push(spec);
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const arg = node.arguments[0];
      if (arg && ts.isStringLiteral(arg)) own(arg.text, true);
      edits.push([node.expression.getStart(sf), node.expression.end, '__bundleImport']);
    } else if (ts.isMetaProperty(node) && node.keywordToken === ts.SyntaxKind.ImportKeyword) {
      edits.push([node.getStart(sf), node.end, '__importMeta']);
    } else if (ts.isAwaitExpression(node) && !insideFunction(node)) {
      throw new Error(`${k}: top-level await cannot be bundled`);
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  let text = source;
  for (const [s, e, r] of edits.sort((a, b) => b[0] - a[0])) text = text.slice(0, s) + r + text.slice(e);
  const out = ts.transpileModule(text, { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true }, fileName: file });
  const st = statSync(file);
  modules.set(k, { code: out.outputText, deps, esm, size: st.size });
}

/**
 * dist/cjs/_fast.cjs: the runtime and the twins nearly every call loads (the fast path, the
 * client, `ps` and `run` with what `run -q -- cmd` imports), each in a function of its own in
 * one file, run when first required, under its own file name (and in require.cache, so a twin
 * loaded from its file finds it there: never two copies). One file saves Node's module loader
 * its per-file resolving, stat and read calls (~0.15× of `node -e 0` for `ps`); V8 compiles a
 * function only when it runs, so the modules a command does not use cost little.
 * Every other twin loads from its own file, as without the bundle. bin/run.js requires this
 * file when it is there, else _runtime.cjs; either way the runtime's freshness check decides.
 */
function fastBundle(runtime) {
  const HOT = [
    'cli/fast.js',
    'cli/execute.js',
    'client/connect.js',
    'client/client.js',
    'commands/ps.js',
    'commands/run.js',
    'core/template.js',
    'cli/submitter.js',
    'core/callerenv.js',
  ];
  const hot = new Set();
  const add = (k) => {
    if (hot.has(k)) return;
    if (!modules.has(k)) throw new Error(`cjs-twins: ${k}, listed for the fast bundle, is not a twin: update HOT`);
    hot.add(k);
    for (const d of modules.get(k).deps) add(d);
  };
  HOT.forEach(add);
  const twinKey = (k) => k.replace(/\.js$/, '.cjs');
  const parts = [
    "// Made by scripts/cjs-twins.js (see fastBundle there): the fast path's hottest twins in one file.",
    "'use strict';",
    "const Module = require('node:module');",
    "const path = require('node:path');",
    'const DIR = __dirname + path.sep;',
    'const defs = Object.create(null);',
    'function load(key) {',
    "  const file = DIR + (path.sep === '/' ? key : key.split('/').join(path.sep));",
    '  const cached = require.cache[file];',
    '  if (cached) return cached.exports;',
    '  const def = defs[key];',
    '  const m = new Module(file, module);',
    '  m.filename = file;',
    '  require.cache[file] = m;',
    '  let own;',
    '  const req = (spec) => {',
    "    const k = def.deps[spec] ?? (spec.startsWith(DIR) ? spec.slice(DIR.length).split(path.sep).join('/') : undefined);",
    '    if (k !== undefined && defs[k]) return load(k);',
    "    if (spec.startsWith('node:')) return require(spec);",
    '    return (own ??= Module.createRequire(file))(spec);',
    '  };',
    '  req.cache = require.cache;',
    '  req.resolve = (spec, opts) => (own ??= Module.createRequire(file)).resolve(spec, opts);',
    '  def.fn.call(m.exports, m.exports, req, m, file, path.dirname(file));',
    '  m.loaded = true;',
    '  return m.exports;',
    '}',
  ];
  const entry = (key, code, specs) => {
    parts.push(`defs[${JSON.stringify(key)}] = { deps: ${JSON.stringify(specs)}, fn: function (exports, require, module, __filename, __dirname) {\n${code}\n} };`);
  };
  const ownSpecs = (key, code) => {
    const specs = {};
    for (const [, spec] of code.matchAll(/require\("(\.{1,2}\/[^"]*\.cjs)"\)/g)) {
      const target = path.posix.normalize(path.posix.join(path.posix.dirname(key), spec));
      if (target === '_runtime.cjs' || hot.has(target.replace(/\.cjs$/, '.js'))) specs[spec] = target;
    }
    return specs;
  };
  entry('_runtime.cjs', runtime, {});
  for (const k of hot) {
    const code = readFileSync(path.join(OUT, twinKey(k)), 'utf8');
    entry(twinKey(k), code, ownSpecs(twinKey(k), code));
  }
  parts.push("module.exports = load('_runtime.cjs');", '');
  return parts.join('\n');
}

function insideFunction(node) {
  for (let n = node.parent; n; n = n.parent) if (ts.isFunctionLike(n) || ts.isClassStaticBlockDeclaration(n)) return true;
  return false;
}

rmSync(OUT, { recursive: true, force: true });
const manifest = {};
for (const [k, m] of modules) {
  let code = m.code;
  for (const spec of new Set(m.esm)) code = code.split(`require(${JSON.stringify(spec)})`).join(`__cjs.esm(${JSON.stringify(spec)})`);
  // Our own modules: the .cjs twin of each (TypeScript keeps the specifiers as written).
  code = code.replace(/require\("(\.{1,2}\/[^"]*)\.js"\)/g, 'require("$1.cjs")');
  const prologue = [
    `const __cjs = require(${JSON.stringify(path.posix.relative(path.posix.dirname(k), '_runtime.cjs').replace(/^(?!\.)/, './'))});`,
    code.includes('__bundleImport') ? `const __bundleImport = __cjs.importer(${JSON.stringify(k)});` : '',
    code.includes('__importMeta') ? `const __importMeta = { url: __cjs.urlOf(${JSON.stringify(k)}) };` : '',
  ].join(' ');
  const file = path.join(OUT, k.replace(/\.js$/, '.cjs'));
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, `${prologue}\n${code}`);
  manifest[k] = [m.size, m.deps, m.esm];
}
const runtime = readFileSync(path.join(ROOT, 'scripts', 'cjs-runtime.cjs'), 'utf8');
writeFileSync(path.join(OUT, '_runtime.cjs'), runtime);
writeFileSync(path.join(OUT, '_fast.cjs'), fastBundle(runtime));
writeFileSync(path.join(OUT, '_manifest.json'), JSON.stringify(manifest)); // last: its mtime says when the twins were made
console.log(`${path.relative(ROOT, OUT)}/: ${modules.size} modules as CommonJS, the hottest also in _fast.cjs`);
