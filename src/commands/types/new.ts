import { command } from '../../cli/spec.js';

export default command({
  summary: 'Write a commented starter task-type file where the daemon finds types.',
  description:
    "The file goes into the user's task-types directory (blanket config shows where the home is) and is in force at once; edit it, and the daemon reloads it. It refuses to overwrite a file.",
  examples: ['<%= config.bin %> types new backup', '<%= config.bin %> types new train --executor python3', '$EDITOR "$(<%= config.bin %> types new nightly -q)"'],
  args: [{ name: 'name', description: 'The new type name (letters, digits, _ . -).', required: true }],
  flags: {
    executor: { kind: 'string', description: 'The program that runs its command (bash, sh, python3, node, …).', default: 'bash' },
    quiet: { kind: 'boolean', char: 'q', description: 'Print the file path only.' },
  },
  async run({ args, flags, call, output }) {
    const r = await call('types.new', { name: args.name!, executor: flags.executor });
    output(r, (x) =>
      flags.quiet
        ? x.path
        : [`wrote ${x.path}`, ...(x.overrides ? [`it overrides ${x.type.name} from ${x.overrides}`] : []), `try it: blanket run ${x.type.name} --wait; then edit the file`].join(
            '\n',
          ),
    );
  },
});
