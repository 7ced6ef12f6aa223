import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { usage } from '../../cli/errors.js';
import { command } from '../../cli/spec.js';

async function readInput(file: string): Promise<string> {
  if (file === '-') {
    const chunks: Buffer[] = [];
    for await (const c of process.stdin) chunks.push(c as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  }
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    throw usage(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

export default command({
  summary: 'Add a task type to the daemon from a file or stdin (TOML, or JSON with the same fields).',
  description: `The type is checked as a type file would be, then stored in the daemon's database (its source is shown as db:NAME) and is in force at once, surviving restarts. Its name is the file's stem unless --name says otherwise (stdin needs --name). Adding a name again replaces the stored type. A type file of the same name wins over a stored type. Remove it with blanket types rm.`,
  examples: [
    '<%= config.bin %> types add ./deploy.toml',
    '<%= config.bin %> types export greet | sed s/hello/hi/ | <%= config.bin %> types add - --name hi',
    '<%= config.bin %> types add ./job.json --name nightly',
  ],
  args: [{ name: 'file', description: 'A .toml or .json file, or - for stdin.', required: true }],
  flags: { name: { kind: 'string', char: 'n', description: "The type's name (default: the file's stem)." } },
  async run({ args, flags, call, output, warn }) {
    const file = args.file!;
    const name = flags.name ?? (file === '-' ? undefined : path.basename(file).replace(/\.(toml|json)$/i, ''));
    if (name === undefined) throw usage('a type read from stdin needs --name');
    const content = await readInput(file);
    const r = await call('types.add', { name, content, ...(file !== '-' ? { file: path.resolve(file) } : {}) });
    for (const w of r.warnings) warn(w);
    output(r, (x) => `${x.replaced ? 'replaced' : 'added'} ${x.type.name} (${x.shadowedBy ? `stored; ${x.shadowedBy} is in force` : x.type.source})`);
  },
});
