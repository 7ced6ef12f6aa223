// The bundled task types ship parsed (dist/task-types.json, written by scripts/bundled-types.js at
// build time): the copy must be of the TOML files as they are, and the registry must give the same
// types from it as from parsing the files, and parse a file whose text is no longer the one parsed.
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import TOML from '@iarna/toml';
import t from 'tap';
import { BUNDLED_PARSED, readBundledParse } from '../../../src/daemon/types/bundled.js';
import { TypeRegistry } from '../../../src/daemon/types/registry.js';
import { BUNDLED_TYPES } from '../../../src/pkg.js';

t.test('dist/task-types.json is the parse of task-types/*.toml as they are now', async (t) => {
  const json = JSON.parse(readFileSync(BUNDLED_PARSED, 'utf8')) as { files: Record<string, { text: string; doc: unknown }> };
  const tomls = readdirSync(BUNDLED_TYPES)
    .filter((f) => f.endsWith('.toml'))
    .sort();
  t.same(Object.keys(json.files).sort(), tomls, 'one entry per bundled file (else: npm run build)');
  for (const f of tomls) {
    const text = readFileSync(path.join(BUNDLED_TYPES, f), 'utf8');
    t.equal(json.files[f]?.text, text, `${f}: the text parsed is the file's (else: npm run build)`);
    t.same(json.files[f]?.doc, JSON.parse(JSON.stringify(TOML.parse(text))), `${f}: the document is TOML.parse of it`);
  }
});

t.test('the registry gives the same types from the build parse as from the files', async (t) => {
  const fromFiles = new TypeRegistry({ dirs: [BUNDLED_TYPES] });
  fromFiles.load();
  const parsed = readBundledParse();
  t.ok(parsed.size >= 6, 'the bundled parse is read');
  const fromJson = new TypeRegistry({ dirs: [BUNDLED_TYPES], parsed });
  fromJson.load();
  t.same(fromJson.all(), fromFiles.all());
  t.same(fromJson.errors(), []);
});

t.test('a bundled file whose text changed is parsed, not taken from the build', async (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bk-bt-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  for (const f of readdirSync(BUNDLED_TYPES)) copyFileSync(path.join(BUNDLED_TYPES, f), path.join(dir, f));
  const shell = path.join(dir, 'shell.toml');
  writeFileSync(shell, 'timeout = 77\n' + readFileSync(shell, 'utf8').replace(/^timeout = .*$/m, ''));
  const broken = path.join(dir, 'greet.toml');
  writeFileSync(broken, 'command = [unclosed\n');
  const reg = new TypeRegistry({ dirs: [dir], parsed: readBundledParse(dir) });
  reg.load();
  t.equal(reg.get('shell')?.timeout, 77, 'the edited file as it is now');
  t.match(reg.errors(), [{ file: broken, message: /invalid TOML/ }], 'a broken file is reported, not replaced by the build copy');
  t.ok(reg.get('echo_task'), 'the unchanged ones still load');
});
