// A command is plain data plus a run function: no oclif here. The same spec
// drives oclif (help, man pages, completion, the manifest) and the fast
// start-up path (src/cli/fast.ts), so every command and flag is defined once.
import type { Client } from '../client/client.js';
import type { Paths } from '../core/paths.js';
import type { MethodName, Params, Result } from '../protocol/methods.js';

interface FlagBase {
  char?: string;
  description: string;
  hidden?: boolean;
  helpGroup?: string;
}
export interface BooleanFlag extends FlagBase {
  kind: 'boolean';
  /** Also accept --no-NAME (sets false). */
  allowNo?: boolean;
  default?: boolean;
}
export interface StringFlag extends FlagBase {
  kind: 'string';
  required?: boolean;
  multiple?: boolean;
  default?: string;
  options?: readonly string[];
  helpValue?: string;
}
export interface IntegerFlag extends FlagBase {
  kind: 'integer';
  default?: number;
  min?: number;
  max?: number;
  helpValue?: string;
}
export type FlagSpec = BooleanFlag | StringFlag | IntegerFlag;

export interface ArgSpec {
  name: string;
  description: string;
  required?: boolean;
}

type FlagValue<S extends FlagSpec> = S extends BooleanFlag
  ? boolean
  : S extends IntegerFlag
    ? S extends { default: number }
      ? number
      : number | undefined
    : S extends { multiple: true }
      ? string[] | undefined
      : S extends { default: string } | { required: true }
        ? string
        : string | undefined;

export type FlagsOf<F extends Record<string, FlagSpec>> = { [K in keyof F]: FlagValue<F[K]> } & { json: boolean };

export interface Parsed<F extends Record<string, FlagSpec>> {
  flags: FlagsOf<F>;
  /** Named positional args, in spec order. */
  args: Record<string, string | undefined>;
  /** Every positional token (for variadic commands, including those after --). */
  argv: string[];
  /** The tokens after the command id, as typed. */
  raw: string[];
  /** The words after the first `--` that ended the options, exactly as typed (none of them is blanket's); undefined without `--`. */
  dashdash?: string[];
}

export interface CommandContext<F extends Record<string, FlagSpec>> extends Parsed<F> {
  /** --json: print the RPC result unchanged. */
  json: boolean;
  client(opts?: { autostart?: boolean }): Promise<Client>;
  call<M extends MethodName>(method: M, params: Params<M>): Promise<Result<M>>;
  /** Print JSON for --json, else the human rendering. */
  output<T>(result: T, human: (r: T) => string): void;
  warn(message: string): void;
  paths(): Paths;
}

export interface CommandSpec<F extends Record<string, FlagSpec> = Record<string, FlagSpec>> {
  summary: string;
  description?: string;
  examples: string[];
  args?: ArgSpec[];
  /** Takes any number of positional args (after the named ones, and after --). */
  variadic?: boolean;
  flags?: F;
  hidden?: boolean;
  run(ctx: CommandContext<F>): Promise<void>;
}

/** Declare a command; only here so TypeScript infers the flag types. */
export function command<const F extends Record<string, FlagSpec> = Record<never, FlagSpec>>(spec: CommandSpec<F>): CommandSpec<F> {
  return spec;
}

/** Flags every command has. */
export const GLOBAL_FLAGS = {
  json: { kind: 'boolean', description: 'Print the RPC result as JSON, unchanged.', helpGroup: 'GLOBAL' },
} as const satisfies Record<string, FlagSpec>;
