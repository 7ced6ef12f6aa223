// `blanket __complete WORDS…`: bin/run.js calls this before loading oclif, so a
// TAB costs a node start and one JSON read (plus one daemon call for live values).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { PACKAGE_ROOT } from '../../pkg.js';
import { formatCandidates, planCompletion, type Candidate, type CompletionSpec } from './engine.js';

function readJson<T>(file: string): T | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

export function loadSpec(root = PACKAGE_ROOT): CompletionSpec {
  const manifest = readJson<{ commands?: CompletionSpec['commands'] }>(path.join(root, 'oclif.manifest.json'));
  const pkg = readJson<{ oclif?: { topics?: CompletionSpec['topics'] } }>(path.join(root, 'package.json'));
  return { commands: manifest?.commands ?? {}, topics: pkg?.oclif?.topics ?? {} };
}

/** The text to print for these words (the last one is the word being completed). */
export async function complete(words: string[], spec = loadSpec()): Promise<string> {
  const plan = planCompletion(spec, words);
  let values: Candidate[] = [];
  if (plan.source.kind === 'static') values = plan.source.values;
  else if (plan.source.kind === 'live') {
    const { liveValues } = await import('./live.js');
    values = await liveValues(plan.source.live);
  }
  return formatCandidates(plan, values);
}

export async function main(words: string[]): Promise<void> {
  let out = '';
  try {
    out = await complete(words);
  } catch {
    // A completion that fails offers nothing; it never prints an error into the shell.
  }
  process.stdout.write(out, () => process.exit(0));
}
