// The fast path's argument parser, driven by the same specs oclif gets.
// It handles the forms blanket documents; anything else (help, a typo, a
// value out of range) returns undefined so oclif parses it and reports it.
import { GLOBAL_FLAGS, type CommandSpec, type FlagSpec, type Parsed } from './spec.js';

export function parseArgv(spec: CommandSpec, raw: string[]): Parsed<Record<string, FlagSpec>> | undefined {
  const defs: Record<string, FlagSpec> = { ...GLOBAL_FLAGS, ...spec.flags };
  const byChar = new Map(
    Object.entries(defs)
      .filter(([, d]) => d.char)
      .map(([n, d]) => [d.char!, n]),
  );
  const flags: Record<string, unknown> = {};
  const positional: string[] = [];
  let dashdash: string[] | undefined;
  for (let i = 0; i < raw.length; i++) {
    const tok = raw[i]!;
    if (tok === '--') {
      dashdash = raw.slice(i + 1);
      positional.push(...dashdash);
      break;
    }
    if (tok === '-h' || tok === '--help') return undefined;
    let name: string | undefined;
    let inline: string | undefined;
    if (tok.startsWith('--')) {
      const eq = tok.indexOf('=');
      name = eq >= 0 ? tok.slice(2, eq) : tok.slice(2);
      if (eq >= 0) inline = tok.slice(eq + 1);
      if (!Object.hasOwn(defs, name) && name.startsWith('no-') && inline === undefined) {
        const positive = name.slice(3);
        const def = defs[positive];
        if (!def || def.kind !== 'boolean' || !def.allowNo) return undefined;
        flags[positive] = false;
        continue;
      }
      if (!Object.hasOwn(defs, name)) return undefined;
    } else if (tok.startsWith('-') && tok.length > 1 && !/^-\d/.test(tok)) {
      name = byChar.get(tok[1]!);
      if (name === undefined) return undefined;
      if (tok.length > 2) inline = tok[2] === '=' ? tok.slice(3) : tok.slice(2);
    } else {
      positional.push(tok);
      continue;
    }
    const def = defs[name]!;
    if (def.kind === 'boolean') {
      if (inline !== undefined) return undefined;
      flags[name] = true;
      continue;
    }
    const value = inline ?? raw[++i];
    // A value that is itself one of the flags (`--label --json`) is a missing value to oclif.
    if (value === undefined || isFlag(value, defs, byChar)) return undefined;
    if (def.kind === 'integer') {
      if (!/^-?\d+$/.test(value)) return undefined;
      const n = Number(value);
      if ((def.min !== undefined && n < def.min) || (def.max !== undefined && n > def.max)) return undefined;
      if (flags[name] !== undefined) return undefined;
      flags[name] = n;
    } else {
      if (def.options && !def.options.includes(value)) return undefined;
      if (def.multiple) flags[name] = [...((flags[name] as string[] | undefined) ?? []), value];
      else if (flags[name] !== undefined) return undefined;
      else flags[name] = value;
    }
  }
  for (const [name, def] of Object.entries(defs)) {
    if (flags[name] !== undefined) continue;
    if (def.kind === 'string' && def.required) return undefined;
    if (def.kind === 'boolean') flags[name] = def.default ?? false;
    else if (def.kind !== 'string' || !def.multiple) if (def.default !== undefined) flags[name] = def.default;
  }
  const named = spec.args ?? [];
  if (!spec.variadic && positional.length > named.length) return undefined;
  const args: Record<string, string | undefined> = {};
  for (const [i, a] of named.entries()) {
    args[a.name] = positional[i];
    if (a.required && positional[i] === undefined) return undefined;
  }
  return { flags: flags as Parsed<Record<string, FlagSpec>>['flags'], args, argv: positional, raw, ...(dashdash ? { dashdash } : {}) };
}

/**
 * Where options end, for argv another parser (oclif) has already checked: the positional words
 * before the first `--` that is not a flag's value, and every word after it, exactly as typed.
 * oclif's own argv is re-sorted by first occurrence, which reorders repeated words.
 */
export function splitAtDashdash(spec: CommandSpec, raw: string[]): { positional: string[]; dashdash?: string[] } {
  const defs: Record<string, FlagSpec> = { ...GLOBAL_FLAGS, ...spec.flags };
  const takesValue = (d: FlagSpec | undefined) => d !== undefined && d.kind !== 'boolean';
  const byChar = new Map(
    Object.values(defs)
      .filter((d) => d.char)
      .map((d) => [d.char!, d]),
  );
  const positional: string[] = [];
  for (let i = 0; i < raw.length; i++) {
    const tok = raw[i]!;
    if (tok === '--') return { positional, dashdash: raw.slice(i + 1) };
    if (tok.startsWith('--')) {
      if (!tok.includes('=') && takesValue(defs[tok.slice(2)])) i++;
    } else if (tok.startsWith('-') && tok.length > 1 && !/^-\d/.test(tok)) {
      // A cluster of short flags (-qw); the first one that takes a value takes the rest, or the next word.
      for (let j = 1; j < tok.length; j++) {
        if (!takesValue(byChar.get(tok[j]!))) continue;
        if (j === tok.length - 1) i++;
        break;
      }
    } else positional.push(tok);
  }
  return { positional };
}

/** Whether oclif would take `tok` for one of the command's flags. */
function isFlag(tok: string, defs: Record<string, FlagSpec>, byChar: Map<string, string>): boolean {
  if (!tok.startsWith('--')) return tok.startsWith('-') && tok.length > 1 && byChar.has(tok[1]!);
  const name = tok.slice(2);
  if (Object.hasOwn(defs, name)) return true;
  const negated = name.startsWith('no-') ? defs[name.slice(3)] : undefined;
  return negated?.kind === 'boolean' && negated.allowNo === true;
}
