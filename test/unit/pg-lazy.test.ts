// A LevelDB daemon never loads node-postgres: no module the daemon imports statically (from
// its entry point, following static imports only) is `pg` or the PostgreSQL store; that is
// reached by the dynamic import in open-store.ts alone.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { ROOT } from '../helpers/home.js';

/** Static, value (not type-only) imports of a source file. */
function staticImports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const out: string[] = [];
  for (const m of text.matchAll(/^\s*(import|export)\s+(type\s+)?([^'";]*?\sfrom\s+)?['"]([^'"]+)['"]/gm)) {
    if (m[2]) continue; // import type … / export type …
    out.push(m[4]!);
  }
  return out;
}

t.test('the daemon reaches pg only through a dynamic import', async (t) => {
  const start = path.join(ROOT, 'src', 'daemon', 'main.ts');
  const seen = new Set<string>();
  const packages = new Set<string>();
  const queue = [start];
  while (queue.length) {
    const file = queue.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    for (const spec of staticImports(file)) {
      if (spec.startsWith('.')) queue.push(path.resolve(path.dirname(file), spec).replace(/\.js$/, '.ts'));
      else packages.add(spec.split('/')[0]!);
    }
  }
  t.ok(seen.size > 50, `followed the daemon's imports (${seen.size} files)`);
  t.ok(seen.has(path.join(ROOT, 'src', 'daemon', 'open-store.ts')), 'open-store.ts is among them');
  t.notOk(packages.has('pg'), 'pg is not imported statically');
  t.same(
    [...seen].filter((f) => /store[/\\]pg/.test(f)).map((f) => path.relative(ROOT, f)),
    [],
    'nor the PostgreSQL store',
  );
  t.match(readFileSync(path.join(ROOT, 'src', 'daemon', 'open-store.ts'), 'utf8'), "await import('./store/pg.js')", 'it is loaded by a dynamic import when configured');
});
