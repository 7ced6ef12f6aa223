// The tags a worker advertises when none are configured: what this host can run.
import os from 'node:os';
import { which } from './which.js';

const PROGRAMS = [
  'sh',
  'bash',
  'zsh',
  'dash',
  'fish',
  'ksh',
  'pwsh',
  'powershell',
  'cmd',
  'python3',
  'python',
  'node',
  'perl',
  'ruby',
  'php',
  'deno',
  'bun',
  'java',
  'go',
  'make',
  'docker',
  'git',
];

export function detectTags(envPath = process.env.PATH ?? ''): string[] {
  const tags = new Set<string>();
  const platform = os.platform();
  tags.add(platform === 'win32' ? 'windows' : platform);
  if (platform !== 'win32') tags.add('unix');
  tags.add(os.arch());
  for (const p of PROGRAMS) if (which(p, envPath)) tags.add(p);
  // Go blanket's examples ask for "python"; python3 satisfies it.
  if (tags.has('python3')) tags.add('python');
  return [...tags].sort();
}
