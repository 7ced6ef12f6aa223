// What every command shares: --json, the client, error rendering and exit codes.
import { Command, Flags, type Interfaces } from '@oclif/core';
import type { Client } from '../client/client.js';
import type { Paths } from '../core/paths.js';
import { BlanketError } from '../protocol/errors.js';
import type { MethodName, Params, Result } from '../protocol/methods.js';

export const EXIT = { ok: 0, failure: 1, usage: 2, unavailable: 3, internal: 70 } as const;

export abstract class BlanketCommand extends Command {
  static baseFlags = {
    json: Flags.boolean({ description: 'Print the RPC result as JSON, unchanged.', helpGroup: 'GLOBAL' }),
  };

  protected jsonMode = process.argv.includes('--json');
  private clientPromise: Promise<Client> | undefined;

  protected async paths(): Promise<Paths> {
    const { defaultPaths } = await import('../client/connect.js');
    return defaultPaths();
  }

  protected client(opts: { autostart?: boolean } = {}): Promise<Client> {
    this.clientPromise ??= import('../client/connect.js').then((m) => m.connect({ ...opts, clientName: `blanket ${this.id ?? ''}`.trim() }));
    return this.clientPromise;
  }

  protected async call<M extends MethodName>(method: M, params: Params<M>): Promise<Result<M>> {
    return (await this.client()).call(method, params);
  }

  /** --json prints the result as it is; otherwise the human rendering. */
  protected output<T>(result: T, human: (r: T) => string): void {
    if (this.jsonMode) process.stdout.write(JSON.stringify(result, null, 2) + '\n');
    else {
      const text = human(result);
      if (text !== '') process.stdout.write(text.endsWith('\n') ? text : text + '\n');
    }
  }

  protected warn2(message: string): void {
    process.stderr.write(`blanket: warning: ${message}\n`);
  }

  protected async finally(err: Error | undefined): Promise<unknown> {
    if (this.clientPromise) {
      const c = await this.clientPromise.catch(() => undefined);
      c?.close();
    }
    return super.finally(err);
  }

  protected async catch(err: Interfaces.CommandError): Promise<unknown> {
    const be = asBlanketError(err);
    if (!be) return super.catch(err);
    if (this.jsonMode) process.stdout.write(JSON.stringify({ error: { code: be.code, message: be.message, ...(be.hint ? { hint: be.hint } : {}), ...be.details } }, null, 2) + '\n');
    else process.stderr.write(formatError(be));
    process.exitCode = exitCodeFor(be);
    return undefined;
  }
}

export function formatError(be: BlanketError): string {
  return `blanket: ${be.message}\n${be.hint ? `  hint: ${be.hint}\n` : ''}  code: ${be.code}\n`;
}

export function exitCodeFor(be: BlanketError): number {
  if (be.code === 'USAGE') return EXIT.usage;
  if (be.code === 'DAEMON_UNAVAILABLE') return EXIT.unavailable;
  if (be.code === 'INTERNAL') return EXIT.internal;
  return EXIT.failure;
}

/** oclif's parse errors become USAGE errors, so they print and exit like ours. */
function asBlanketError(err: unknown): BlanketError | undefined {
  if (err instanceof BlanketError) return err;
  const e = err as { oclif?: { exit?: number }; message?: string; code?: string };
  if (e?.oclif?.exit === 2 || e?.code?.startsWith?.('ERR_PARSE') ) {
    const message = String(e.message ?? err).split('\n')[0]!;
    return new BlanketError('USAGE', message, { hint: 'see --help for usage and examples' });
  }
  if (e?.oclif?.exit === 0) return undefined;
  if (err instanceof Error && !('oclif' in err)) {
    return new BlanketError('INTERNAL', `${err.message} (a bug in blanket)`, { cause: err });
  }
  return undefined;
}

export function usage(message: string, hint?: string): BlanketError {
  return new BlanketError('USAGE', message, hint ? { hint } : { hint: 'see --help for usage and examples' });
}
