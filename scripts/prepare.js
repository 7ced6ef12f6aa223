// npm's "prepare": build from a source checkout (npm install, npm pack). An
// installed package (from its tarball) has no src/ and no TypeScript, and is
// already built: then there is nothing to do, and failing would break the install.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
if (!existsSync(path.join(root, 'src')) || !existsSync(path.join(root, 'tsconfig.build.json'))) process.exit(0);
const r = spawnSync(process.platform === 'win32' ? 'npm.cmd' : 'npm', ['run', 'build'], { cwd: root, stdio: 'inherit' });
process.exit(r.status ?? 1);
