// The bundled task types as the build parsed them: scripts/bundled-types.js writes
// dist/task-types.json from task-types/*.toml (each file's text and its TOML document, checked
// as the daemon checks a type file). The registry takes a file's document from here when the
// file's text is the one that was parsed, so a daemon with no type files or config.toml of its
// own never loads the TOML parser; any other text (an edited file, a file added) is parsed.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { BUNDLED_TYPES, PACKAGE_ROOT } from '../../pkg.js';

/** One file as the build read and parsed it. */
export interface ParsedTypeFile {
  text: string;
  doc: Record<string, unknown>;
}

export const BUNDLED_PARSED = path.join(PACKAGE_ROOT, 'dist', 'task-types.json');

/** The build's parse of the bundled types, by file path; empty when there is none (they are then parsed). */
export function readBundledParse(dir = BUNDLED_TYPES, file = BUNDLED_PARSED): Map<string, ParsedTypeFile> {
  const out = new Map<string, ParsedTypeFile>();
  try {
    const json = JSON.parse(readFileSync(file, 'utf8')) as { files?: Record<string, ParsedTypeFile> };
    for (const [name, f] of Object.entries(json.files ?? {})) {
      if (typeof f?.text === 'string' && typeof f.doc === 'object' && f.doc !== null) out.set(path.join(dir, name), f);
    }
  } catch {
    // Missing or unreadable: the TOML files are parsed as any others.
  }
  return out;
}
