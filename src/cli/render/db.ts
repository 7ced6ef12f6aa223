// `blanket db check` for people.
import type { DbCheckResult } from '../../protocol/db.js';

export function renderCheck(r: DbCheckResult): string {
  const size = `${r.files.tables} tables, ${r.files.blocks} blocks, ${(r.files.bytes / 1024 / 1024).toFixed(1)} MB`;
  const head = `${r.location}: ${r.tasks} tasks, ${r.keys} keys; ${size} checked in ${r.ms} ms (${r.via === 'daemon' ? 'through the daemon' : 'no daemon running'})`;
  if (r.ok) return `store OK\n${head}`;
  const lines = r.problems.map((p) => `  ${p.kind.padEnd(7)} ${p.file ?? p.key ?? ''}${p.offset !== undefined ? ` at byte ${p.offset}` : ''}: ${p.message}`);
  if (r.moreProblems) lines.push(`  … and ${r.moreProblems} more`);
  return [`store DAMAGED: ${r.problems.length + r.moreProblems} problems`, head, ...lines, "repair it with 'blanket db repair' (it makes a backup first)"].join('\n');
}
