// man/ must be what `npm run man` makes from the commands as they are now.
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import t from 'tap';
import { ROOT } from '../helpers/home.js';

const FIX = 'run `npm run man` (it builds, regenerates man/ and the "man" list in package.json) and commit the result';
const pages = (dir: string) =>
  readdirSync(dir)
    .filter((f) => f.endsWith('.1'))
    .sort();

/** Command ids from the source tree, so a new command is caught even before a build. */
function sourceCommands(dir = path.join(ROOT, 'src', 'commands'), prefix: string[] = []): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    if (e.isDirectory()) return sourceCommands(path.join(dir, e.name), [...prefix, e.name]);
    if (!/\.tsx?$/.test(e.name) || e.name.endsWith('.d.ts')) return [];
    if (/static\s+hidden\s*=\s*true/.test(readFileSync(path.join(dir, e.name), 'utf8'))) return [];
    const base = e.name.replace(/\.tsx?$/, '');
    return [[...prefix, ...(base === 'index' ? [] : [base])].join(':')];
  });
}

t.test('every command has a page, and the manifest the pages come from is current', async (t) => {
  const manifest = JSON.parse(readFileSync(path.join(ROOT, 'oclif.manifest.json'), 'utf8')) as { commands: Record<string, { hidden?: boolean }> };
  const built = Object.keys(manifest.commands)
    .filter((id) => !manifest.commands[id]!.hidden)
    .sort();
  const source = sourceCommands().sort();
  t.same(built, source, 'oclif.manifest.json lists the commands in src/commands: run `npm run build` (npm run man does it; after deleting a command, remove dist/ first)');
  const have = new Set(pages(path.join(ROOT, 'man')));
  for (const id of source) {
    const page = `blanket-${id.split(':').join('-')}.1`;
    if (have.has(page)) t.pass(`man/${page} exists`);
    else t.fail(`man/${page} is missing: ${FIX}`);
  }
});

t.test('man/ is exactly what `npm run man` generates', async (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bk-man-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  await promisify(execFile)(process.execPath, [path.join(ROOT, 'scripts', 'man.js'), dir], { cwd: ROOT });
  const fresh = pages(dir);
  const committed = pages(path.join(ROOT, 'man'));
  t.ok(fresh.includes('blanket.1'), 'the main page is generated');
  for (const f of fresh) {
    if (!committed.includes(f)) t.fail(`man/${f} is missing: ${FIX}`);
    else if (readFileSync(path.join(dir, f), 'utf8') !== readFileSync(path.join(ROOT, 'man', f), 'utf8')) t.fail(`man/${f} is stale: ${FIX}`);
    else t.pass(`man/${f} is current`);
  }
  for (const f of committed) if (!fresh.includes(f)) t.fail(`man/${f} is for a command that no longer exists: ${FIX}`);

  const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { man?: string[] };
  t.same(
    pkg.man,
    fresh.map((f) => `./man/${f}`),
    `package.json "man" lists every page: ${FIX}`,
  );
});

t.test('pages carry the version, never a date, and the bin name in examples', async (t) => {
  const a = mkdtempSync(path.join(os.tmpdir(), 'bk-man-'));
  t.teardown(() => rmSync(a, { recursive: true, force: true }));
  await promisify(execFile)(process.execPath, [path.join(ROOT, 'scripts', 'man.js'), a], { cwd: ROOT });
  const page = readFileSync(path.join(a, 'blanket-daemon-start.1'), 'utf8');
  t.notMatch(page, /\b20\d\d-\d\d-\d\d\b/, 'no dates');
  t.match(page, /^\.TH "BLANKET\\-DAEMON\\-START" "1" "" "blanket \d+\.\d+\.\d+/m, 'the version, not a date, in .TH');
  t.match(page, /^\.SH EXAMPLES\n[\s\S]*blanket daemon start \\-\\-foreground/m, 'examples with the bin name filled in');
});
