// The import-boundary rule (scripts/eslint-boundaries.js, docs/architecture.md's
// "may import" table) bites: planted imports across a forbidden boundary are
// errors, allowed ones and the named exceptions are not. Linted without type
// information, with the boundary blocks alone, so it stays fast.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import { createNodeResolver, importX } from 'eslint-plugin-import-x';
import t from 'tap';
import tseslint from 'typescript-eslint';
// @ts-expect-error -- plain JS config module, no types
import { boundaryConfig, EXCEPTIONS } from '../../scripts/eslint-boundaries.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

const eslint = new ESLint({
  cwd: ROOT,
  overrideConfigFile: true,
  overrideConfig: [{ files: ['**/*.ts', '**/*.tsx'], languageOptions: { parser: tseslint.parser } }, ...(boundaryConfig({ importX, createNodeResolver }) as [])],
});

/** The rule ids reported for `code` as if it were the file `file` (relative to the repo root). */
async function lint(file: string, code: string): Promise<string[]> {
  const [r] = await eslint.lintText(code, { filePath: path.join(ROOT, file) });
  return (r?.messages ?? []).map((m) => `${m.ruleId ?? 'fatal'}: ${m.message}`);
}

const BOUNDARY = /^import-x\/no-restricted-paths: /;

const forbidden: [file: string, code: string][] = [
  ['src/worker/planted.ts', "import { Engine } from '../daemon/engine.js';"],
  ['src/worker/planted.ts', "export const f = async () => (await import('../daemon/engine.js')).Engine;"],
  ['src/worker/planted.ts', "export { Engine } from '../daemon/engine.js';"],
  ['src/worker/planted.ts', "import type { Engine } from '../daemon/engine.js';"],
  ['src/daemon/planted.ts', "import { TaskRun } from '../worker/runner.js';"],
  ['src/daemon/handlers/planted.ts', "import { TaskRun } from '../../worker/runner.js';"],
  ['src/os/planted.ts', "import { Engine } from '../daemon/engine.js';"],
  ['src/os/planted.ts', "import { TaskRun } from '../worker/runner.js';"],
  ['src/core/planted.ts', "import { signalGroup } from '../os/proc.js';"],
  ['src/commands/planted.ts', "import { signalGroup } from '../os/proc.js';"],
  ['src/core/planted.ts', "import { Engine } from '../daemon/engine.js';"],
  ['src/core/planted.ts', "import { connect } from '../client/connect.js';"],
  ['src/core/planted.ts', "import { packageVersion } from '../pkg.js';"],
  ['src/protocol/planted.ts', "import { transition } from '../core/states.js';"],
  ['src/commands/planted.ts', "import { Engine } from '../daemon/engine.js';"],
  ['src/commands/worker/planted.ts', "import { Engine } from '../../daemon/engine.js';"],
  ['src/cli/planted.ts', "import { Engine } from '../daemon/engine.js';"],
  ['src/client/planted.ts', "import { reportError } from '../cli/errors.js';"],
  ['src/ui/planted.ts', "import { Engine } from '../daemon/engine.js';"],
  ['src/ui/planted.ts', "import { reportError } from '../cli/errors.js';"],
  ['src/log.ts', "import { Engine } from './daemon/engine.js';"],
  // A named exception is for that file and those imports only.
  ['src/commands/db/check.ts', "import { Engine } from '../../daemon/engine.js';"],
  ['src/commands/db/planted.ts', "export const f = async () => (await import('../../daemon/store/offline.js')).offlineCheck;"],
];

for (const [file, code] of forbidden) {
  t.test(`forbidden: ${file}: ${code}`, async (t) => {
    const found = await lint(file, code);
    t.equal(found.length, 1, found.join('\n'));
    t.match(found[0] ?? '', BOUNDARY);
    t.match(found[0] ?? '', /docs\/architecture\.md/, 'the message says where the table is');
  });
}

const allowed: [file: string, code: string][] = [
  [
    'src/worker/planted.ts',
    "import { transition } from '../core/states.js';\nimport type { Task } from '../protocol/model.js';\nimport { connect } from '../client/connect.js';\nimport { createLogger } from '../log.js';",
  ],
  ['src/daemon/planted.ts', "import { transition } from '../core/states.js';\nimport { createLogger } from '../log.js';\nimport { packageVersion } from '../pkg.js';"],
  ['src/core/planted.ts', "import type { Task } from '../protocol/model.js';\nimport { transition } from './states.js';"],
  // What daemon, worker and cli share lives in os/.
  ['src/daemon/planted.ts', "import { signalGroup } from '../os/proc.js';\nimport { logFiles } from '../os/results.js';\nimport { detectTags } from '../os/tags.js';"],
  ['src/worker/planted.ts', "import { signalGroup } from '../os/proc.js';\nimport { which } from '../os/which.js';"],
  ['src/cli/planted.ts', "import { lastLogLines } from '../os/logfiles.js';"],
  ['src/ui/planted.ts', "import { renderShow } from '../cli/render/task.js';"],
  ['src/commands/planted.ts', "import { command } from '../cli/spec.js';\nexport const f = async () => import('../ui/index.js');"],
  // The offline `db` commands, named in the rule.
  ['src/commands/db/check.ts', "export const f = async () => (await import('../../daemon/store/offline.js')).offlineCheck;"],
  ['src/cli/db.ts', "export const f = async () => (await import('../daemon/store/offline.js')).StoreBusy;"],
  ['src/worker/planted.ts', "import { readFileSync } from 'node:fs';\nimport { execa } from 'execa';"],
];

for (const [file, code] of allowed) {
  t.test(`allowed: ${file}`, async (t) => {
    t.same(await lint(file, code), []);
  });
}

t.test('an import the resolver cannot follow is an error, not a silent pass', async (t) => {
  const found = await lint('src/worker/planted.ts', "import { nothing } from '../daemon/no-such-file.js';");
  t.equal(found.length, 1, found.join('\n'));
  t.match(found[0] ?? '', /^import-x\/no-unresolved: /);
});

t.test('every named exception is still used, so the list shrinks when a module moves', async (t) => {
  for (const { file, imports } of EXCEPTIONS as { file: string; imports: string[] }[]) {
    const abs = path.join(ROOT, file);
    if (!t.ok(existsSync(abs), `${file} exists`)) continue;
    const targets = [...readFileSync(abs, 'utf8').matchAll(/(?:from|import\()\s*'(\.[^']+)'/g)].map((m) =>
      path.relative(ROOT, path.resolve(path.dirname(abs), m[1]!)).replace(/\.js$/, '.ts'),
    );
    for (const i of imports) t.ok(targets.includes(i), `${file} still imports ${i}; if not, drop it from EXCEPTIONS`);
  }
});
