// CPU time (user + sys of the child, from bash's `times`: getrusage of children, ms) of one CLI
// call against `node -e 0`, in interleaved rounds, with and without NODE_EXTRA_CA_CERTS
// (docs/performance.md, "Issue 14: CLI start-up"). Load disturbs CPU time less than wall time.
//   node bench/repro/cli-cpu.mjs [ROUNDS=25] [OTHER_BIN]     (after npm run build)
// Cases: `node -e 0`; `ps` and `run -q -- true` with this build and, given OTHER_BIN (the
// bin/run.js of another build, e.g. a worktree of main), with that one; `snapshot`: node started
// from an empty user-land start-up snapshot (`--snapshot-blob`, made here), what any snapshot
// of the fast path would pay before running a line of it.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BIN, ROOT } from '../lib/repo.mjs';
import { median } from '../lib/stats.mjs';

const rounds = Number(process.argv[2] ?? 25);
const other = process.argv[3];
const tmp = mkdtempSync(path.join(os.tmpdir(), 'bk-clicpu-'));
const home = path.join(tmp, 'home');
const q = (s) => `'${s.replaceAll("'", "'\\''")}'`;
const node = q(process.execPath);
writeFileSync(path.join(tmp, 'empty.js'), "require('node:v8').startupSnapshot.setDeserializeMainFunction(() => {});\n");
const blob = path.join(tmp, 'empty.blob');
execFileSync(process.execPath, ['--snapshot-blob', blob, '--build-snapshot', path.join(tmp, 'empty.js')], { cwd: tmp });

const cases = {
  node: `${node} -e 0`,
  snapshot: `${node} --snapshot-blob ${q(blob)} x`,
  ps: `${node} ${q(BIN)} ps`,
  run: `${node} ${q(BIN)} run -q -- true`,
  ...(other ? { psOther: `${node} ${q(other)} ps`, runOther: `${node} ${q(other)} run -q -- true` } : {}),
};
/** CPU ms of the command's process tree, by bash's `times` (children's user and sys). */
function cpu(cmd, env) {
  const r = spawnSync('bash', ['-c', `${cmd} >/dev/null 2>&1; times`], { env, encoding: 'utf8' });
  const line = r.stdout.trim().split('\n')[1] ?? '';
  const ms = [...line.matchAll(/(\d+)m([\d.]+)s/g)].map(([, m, s]) => (Number(m) * 60 + Number(s)) * 1000);
  if (ms.length !== 2) throw new Error(`times: ${r.stdout} ${r.stderr}`);
  return ms[0] + ms[1];
}

const base = { ...process.env, BLANKET_HOME: home };
delete base.BLANKET_NO_CJS;
try {
  execFileSync(process.execPath, [BIN, 'daemon', 'start'], { env: base, cwd: ROOT, stdio: 'ignore' });
  const withCa = process.env.NODE_EXTRA_CA_CERTS ? [['with NODE_EXTRA_CA_CERTS', base]] : [];
  const noCa = { ...base };
  delete noCa.NODE_EXTRA_CA_CERTS;
  for (const [label, env] of [...withCa, ['without NODE_EXTRA_CA_CERTS', noCa]]) {
    const t = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));
    for (let i = 0; i < rounds; i++) for (const [k, c] of Object.entries(cases)) t[k].push(cpu(c, env));
    const floor = median(t.node);
    console.log(
      `${label}: ${rounds} rounds, load average ${os
        .loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')}`,
    );
    for (const [k, xs] of Object.entries(t)) console.log(`  ${k.padEnd(9)} ${median(xs).toFixed(1).padStart(6)} ms CPU  ${(median(xs) / floor).toFixed(2)}×`);
  }
} finally {
  spawnSync(process.execPath, [BIN, 'daemon', 'stop'], { env: base, stdio: 'ignore' });
  rmSync(tmp, { recursive: true, force: true });
}
