// The oclif side of a command spec: a Command class with the spec's help,
// flags and args, whose run() parses with oclif and executes the spec.
// oclif gives help, the manifest (man pages, completion) and error messages
// for anything the fast path leaves to it.
import { Args, Command, Flags, type Interfaces } from '@oclif/core';
import { splitAtDashdash } from './argv.js';
import { execute } from './execute.js';
import { reportError, usage } from './errors.js';
import { GLOBAL_FLAGS, type CommandSpec, type FlagSpec, type Parsed } from './spec.js';

function toFlag(def: FlagSpec) {
  const common = {
    description: def.description,
    ...(def.char ? { char: def.char as 'a' } : {}),
    ...(def.hidden ? { hidden: true } : {}),
    ...(def.helpGroup ? { helpGroup: def.helpGroup } : {}),
  };
  switch (def.kind) {
    case 'boolean':
      return Flags.boolean({ ...common, ...(def.allowNo ? { allowNo: true } : {}), ...(def.default !== undefined ? { default: def.default } : {}) });
    case 'integer':
      return Flags.integer({
        ...common,
        ...(def.default !== undefined ? { default: def.default } : {}),
        ...(def.min !== undefined ? { min: def.min } : {}),
        ...(def.max !== undefined ? { max: def.max } : {}),
        ...(def.helpValue ? { helpValue: def.helpValue } : {}),
      });
    case 'string':
      return def.multiple
        ? Flags.string({
            ...common,
            multiple: true,
            multipleNonGreedy: true,
            ...(def.options ? { options: [...def.options] } : {}),
            ...(def.helpValue ? { helpValue: def.helpValue } : {}),
          })
        : Flags.string({
            ...common,
            ...(def.required ? { required: true } : {}),
            ...(def.default !== undefined ? { default: def.default } : {}),
            ...(def.options ? { options: [...def.options] } : {}),
            ...(def.helpValue ? { helpValue: def.helpValue } : {}),
          });
  }
}

/** What oclif parsed, as the fast path gives it: an absent boolean flag is false (oclif leaves it undefined). */
export function fromOclif(spec: CommandSpec, parsed: { flags: object; args: object; argv: unknown[] }, raw: string[]): Parsed<Record<string, FlagSpec>> {
  const flags: Record<string, unknown> = { ...parsed.flags };
  const defs: Record<string, FlagSpec> = { ...GLOBAL_FLAGS, ...spec.flags };
  for (const [name, def] of Object.entries(defs)) if (def.kind === 'boolean') flags[name] ??= def.default ?? false;
  // Positional words and the words after `--` come from argv as typed (oclif's argv is re-sorted).
  const { positional, dashdash } = splitAtDashdash(spec, raw);
  const argv = dashdash ? [...positional, ...dashdash] : positional;
  return { flags, args: parsed.args, argv, raw, ...(dashdash ? { dashdash } : {}) } as Parsed<Record<string, FlagSpec>>;
}

export function makeCommand(id: string, spec: CommandSpec): typeof Command {
  const flags = Object.fromEntries(Object.entries(spec.flags ?? {}).map(([n, d]) => [n, toFlag(d)]));
  const args = Object.fromEntries((spec.args ?? []).map((a) => [a.name, Args.string({ description: a.description, required: a.required === true, ignoreStdin: true })]));
  class SpecCommand extends Command {
    static summary = spec.summary;
    static description = spec.description;
    static examples = spec.examples;
    static hidden = spec.hidden === true;
    static strict = !spec.variadic;
    static baseFlags = { json: toFlag(GLOBAL_FLAGS.json) };
    static flags = flags;
    static args = args;

    async run(): Promise<void> {
      await execute(id, spec, fromOclif(spec, await this.parse(SpecCommand as never), this.argv));
    }

    async catch(err: Interfaces.CommandError): Promise<unknown> {
      const e = err as { oclif?: { exit?: number }; message?: string };
      // oclif's own exits (help, version) pass through; its parse errors become USAGE.
      if (e?.oclif?.exit === 0) return super.catch(err);
      if (e?.oclif?.exit === 2 || (e?.oclif && /flag|arg|Expected|Missing|Unexpected|Nonexistent/i.test(String(e.message)))) {
        // oclif's message spans lines ("Missing 1 required arg:\nids  Task ids…\nSee more help with --help").
        const message = String(e.message ?? err)
          .split('\n')
          .filter((l) => l.trim() && !/See more help/.test(l))
          .map((l) => l.trim())
          .join(' ');
        reportError(usage(message.replace(/:\s+/, ': ')), jsonBeforeDashdash(process.argv.slice(2)));
        return undefined;
      }
      return super.catch(err);
    }
  }
  return SpecCommand;
}

/** --json is blanket's only before the first `--`. */
function jsonBeforeDashdash(argv: string[]): boolean {
  const end = argv.indexOf('--');
  return (end < 0 ? argv : argv.slice(0, end)).includes('--json');
}
