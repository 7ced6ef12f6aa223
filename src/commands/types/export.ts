import { command } from '../../cli/spec.js';

export default command({
  summary: 'Print a task type as a self-contained file (extends applied), in TOML or JSON.',
  description: 'What it prints is what blanket types add takes back, on this machine or another.',
  examples: [
    '<%= config.bin %> types export greet > greet.toml',
    '<%= config.bin %> types export greet --format json',
    '<%= config.bin %> types export greet | ssh other blanket types add - --name greet',
  ],
  args: [{ name: 'name', description: 'Type name.', required: true }],
  flags: { format: { kind: 'string', char: 'F', description: 'toml or json.', default: 'toml', options: ['toml', 'json'] } },
  async run({ args, flags, call, output }) {
    const r = await call('types.export', { name: args.name!, format: flags.format as 'toml' | 'json' });
    output(r, (x) => x.text);
  },
});
