// Checks shared by the CLI tests: a command failed the way it should, and changed nothing.
import type { Test } from 'tap';
import type { Client } from '../../src/client/client.js';
import type { RunResult } from './home.js';

export interface JsonError {
  code: string;
  message: string;
  hint?: string;
  [detail: string]: unknown;
}

/** `--json` output of a failed command: `{error: {code, message, …}}`, with a non-zero exit. */
export function jsonError(t: Test, r: RunResult, code: string, exit = 1): JsonError {
  t.equal(r.code, exit, `exits ${exit} (stderr: ${r.stderr.slice(0, 300)})`);
  let parsed: { error?: JsonError } = {};
  try {
    parsed = JSON.parse(r.stdout);
  } catch {
    t.fail(`--json output is JSON: ${r.stdout.slice(0, 300)}`);
  }
  t.equal(parsed.error?.code, code, `code ${code}`);
  return parsed.error ?? { code: '', message: '' };
}

/** Human output of a failed command: the message and the code on stderr, nothing on stdout. */
export function humanError(t: Test, r: RunResult, code: string, message: RegExp, exit = 1): void {
  t.equal(r.code, exit, `exits ${exit}`);
  t.match(r.stderr, /^blanket: /, 'says it is blanket');
  t.match(r.stderr, message);
  t.match(r.stderr, new RegExp(`^  code: ${code}$`, 'm'));
  t.equal(r.stdout, '', 'nothing on stdout');
}

/** Everything ps can see, to compare before and after a refused command. */
export async function snapshot(client: Client): Promise<unknown> {
  const ps = await client.call('ps', { limit: 10000 });
  return { counts: ps.counts, ids: [...ps.running, ...ps.queued, ...ps.finished].map((x) => `${x.id}:${x.state}`).sort() };
}
