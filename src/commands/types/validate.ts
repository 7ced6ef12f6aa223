import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { usage } from '../../cli/errors.js';
import { formatLoadError } from '../../cli/render/types.js';
import { command } from '../../cli/spec.js';
import { green, red, yellow } from '../../cli/style.js';
import type { Params } from '../../protocol/methods.js';

export default command({
  summary: 'Check task types: TOML, fields, templates, and that each executor is on PATH.',
  description: 'With no argument, checks every type in force. Exits 1 when any error is found; warnings alone exit 0.',
  examples: ['<%= config.bin %> types validate', '<%= config.bin %> types validate echo_task', '<%= config.bin %> types validate ./my_type.toml'],
  args: [{ name: 'target', description: 'A type name or a .toml file.' }],
  async run({ args, call, output }) {
    const params: Params<'types.validate'> = {};
    const target = args.target;
    if (target !== undefined) {
      if (target.endsWith('.toml') || target.includes('/')) {
        let content: string;
        try {
          content = await readFile(target, 'utf8');
        } catch (err) {
          throw usage(`cannot read ${target}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
        }
        params.file = path.resolve(target);
        params.content = content;
      } else params.name = target;
    }
    const r = await call('types.validate', params);
    output(r, (x) =>
      [
        ...x.errors.map((e) => red(`error: ${formatLoadError(e)}`)),
        ...x.warnings.map((w) => yellow(`warning: ${w}`)),
        x.ok
          ? green(`ok: ${x.checked.length} type${x.checked.length === 1 ? '' : 's'} checked (${x.checked.join(', ')})`)
          : red(`${x.errors.length} error${x.errors.length === 1 ? '' : 's'}`),
      ].join('\n'),
    );
    if (!r.ok) process.exitCode = 1;
  },
});
