// Running a command spec with parsed arguments: the context, errors, cleanup.
// Used by both the fast path and the oclif adapter.
import os from 'node:os';
import type { Client } from '../client/client.js';
import { resolvePaths, type Paths } from '../core/paths.js';
import type { MethodName, Params, Result } from '../protocol/methods.js';
import { reportError } from './errors.js';
import type { CommandContext, CommandSpec, FlagSpec, Parsed } from './spec.js';

export async function execute(id: string, spec: CommandSpec, parsed: Parsed<Record<string, FlagSpec>>): Promise<void> {
  let client: Promise<Client> | undefined;
  let paths: Paths | undefined;
  const ctx: CommandContext<Record<string, FlagSpec>> = {
    ...parsed,
    json: parsed.flags.json,
    client(opts = {}) {
      client ??= import('../client/connect.js').then((m) => m.connect({ ...opts, clientName: `blanket ${id}` }));
      return client;
    },
    async call<M extends MethodName>(method: M, params: Params<M>): Promise<Result<M>> {
      return (await ctx.client()).call(method, params);
    },
    output(result, human) {
      if (ctx.json) process.stdout.write(JSON.stringify(result, null, 2) + '\n');
      else {
        const text = human(result);
        if (text !== '') process.stdout.write(text.endsWith('\n') ? text : text + '\n');
      }
    },
    warn(message) {
      process.stderr.write(`blanket: warning: ${message}\n`);
    },
    paths() {
      paths ??= resolvePaths(process.env, process.platform, os.homedir());
      return paths;
    },
  };
  try {
    await spec.run(ctx);
  } catch (err) {
    reportError(err, ctx.json);
  } finally {
    if (client) (await client.catch(() => undefined))?.close();
  }
}
