// docs/architecture.md's "may import" table as an ESLint rule
// (import-x/no-restricted-paths). Kept apart from eslint.config.js so that
// test/unit/lint-boundaries.test.ts can lint planted imports with it alone,
// without type information.
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Our modules: a directory under src/, or a single file. */
export const MODULES = ['protocol', 'core', 'os', 'client', 'commands', 'cli', 'daemon', 'worker', 'ui', 'log.ts', 'pkg.ts'];

/**
 * What each module may import besides itself (the table in docs/architecture.md).
 * `cli/render` means only that part of cli.
 */
export const LAYERS = {
  protocol: [],
  core: ['protocol'],
  'pkg.ts': [],
  'log.ts': ['core'],
  os: ['protocol', 'core', 'log.ts'],
  client: ['protocol', 'core', 'pkg.ts'],
  cli: ['protocol', 'core', 'os', 'client', 'commands', 'pkg.ts'],
  commands: ['protocol', 'core', 'client', 'cli', 'ui', 'pkg.ts'],
  ui: ['protocol', 'core', 'client', 'cli/render'],
  daemon: ['protocol', 'core', 'os', 'log.ts', 'pkg.ts'],
  worker: ['protocol', 'core', 'os', 'client', 'log.ts'],
};

/** Imports that break the table on purpose, each named: importing file → imported files. */
export const EXCEPTIONS = [
  // `blanket db …` with no daemon running works on the store directly (loaded lazily).
  { file: 'src/cli/db.ts', imports: ['src/daemon/store/offline.ts'] },
  { file: 'src/commands/db/backup.ts', imports: ['src/daemon/store/offline.ts', 'src/daemon/store/backup.ts'] },
  { file: 'src/commands/db/check.ts', imports: ['src/daemon/store/offline.ts'] },
  { file: 'src/commands/db/dump.ts', imports: ['src/daemon/store/offline.ts'] },
  { file: 'src/commands/db/repair.ts', imports: ['src/daemon/store/offline.ts', 'src/daemon/store/backup.ts'] },
  // A daemon reads another host's task output as a client of that daemon's peer listener.
  { file: 'src/daemon/peer-link.ts', imports: ['src/client/client.ts'] },
];

const src = (m) => `src/${m}`;

function zones(layer, extraAllowed = []) {
  const allowed = LAYERS[layer];
  const message = `src/${layer} may import only ${allowed.length ? allowed.join(', ') : 'nothing of ours'} (docs/architecture.md, "Layers"); move what both sides need to a module both may import.`;
  const out = [];
  for (const m of MODULES) {
    if (m === layer || allowed.includes(m)) continue;
    const partial = allowed.filter((a) => a.startsWith(`${m}/`)).map((a) => `./${a.slice(m.length + 1)}`);
    const named = extraAllowed.filter((f) => f.startsWith(`${src(m)}/`)).map((f) => `./${f.slice(src(m).length + 1)}`);
    const except = [...partial, ...named];
    out.push({ target: src(layer), from: src(m), message, ...(except.length ? { except } : {}) });
  }
  return out;
}

const rule = (zs) => ({ 'import-x/no-restricted-paths': ['error', { basePath: ROOT, zones: zs }] });

/** The flat-config blocks: one for the table, one per named exception. */
export function boundaryConfig({ importX, createNodeResolver }) {
  const settings = {
    // Our imports say `./x.js` for `./x.ts`; resolve them to the sources, or the rule skips them.
    'import-x/resolver-next': [createNodeResolver({ extensions: ['.ts', '.tsx', '.js', '.json'], extensionAlias: { '.js': ['.ts', '.tsx', '.js'] } })],
  };
  const byLayer = Object.keys(LAYERS).map((layer) => ({
    files: [layer.endsWith('.ts') ? src(layer) : `${src(layer)}/**/*.{ts,tsx}`],
    plugins: { 'import-x': importX },
    settings,
    rules: {
      ...rule(zones(layer)),
      // An import the resolver cannot follow would pass the boundary rule unseen.
      'import-x/no-unresolved': ['error', { ignore: ['^[^.]'] }],
    },
  }));
  const named = EXCEPTIONS.map(({ file, imports }) => ({
    files: [file],
    rules: rule(zones(layerOf(file), imports)),
  }));
  return [...byLayer, ...named];
}

function layerOf(file) {
  const rel = file.slice('src/'.length);
  return MODULES.find((m) => rel === m || rel.startsWith(`${m}/`));
}
