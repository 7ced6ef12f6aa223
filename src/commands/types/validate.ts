import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { Args } from '@oclif/core';
import { BlanketCommand, usage } from '../../cli/base.js';
import { formatLoadError } from '../../cli/render/types.js';
import { green, red, yellow } from '../../cli/style.js';
import type { Params } from '../../protocol/methods.js';

export default class TypesValidate extends BlanketCommand {
  static summary = 'Check task types: TOML, fields, templates, and that each executor is on PATH.';
  static description = 'With no argument, checks every type in force. Exits 1 when any error is found; warnings alone exit 0.';
  static examples = ['<%= config.bin %> types validate', '<%= config.bin %> types validate echo_task', '<%= config.bin %> types validate ./my_type.toml'];
  static args = { target: Args.string({ description: 'A type name or a .toml file.', ignoreStdin: true }) };

  async run(): Promise<void> {
    const { args } = await this.parse(TypesValidate);
    const params: Params<'types.validate'> = {};
    if (args.target !== undefined) {
      if (args.target.endsWith('.toml') || args.target.includes('/')) {
        let content: string;
        try {
          content = await readFile(args.target, 'utf8');
        } catch (err) {
          throw usage(`cannot read ${args.target}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
        }
        params.file = path.resolve(args.target);
        params.content = content;
      } else params.name = args.target;
    }
    const r = await this.call('types.validate', params);
    this.output(r, (x) =>
      [
        ...x.errors.map((e) => red(`error: ${formatLoadError(e)}`)),
        ...x.warnings.map((w) => yellow(`warning: ${w}`)),
        x.ok ? green(`ok: ${x.checked.length} type${x.checked.length === 1 ? '' : 's'} checked (${x.checked.join(', ')})`) : red(`${x.errors.length} error${x.errors.length === 1 ? '' : 's'}`),
      ].join('\n'),
    );
    if (!r.ok) process.exitCode = 1;
  }
}
