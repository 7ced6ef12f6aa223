import path from 'node:path';
import { completionScript, setupSteps, SHELLS, type Shell } from '../cli/complete/scripts.js';
import { usage } from '../cli/errors.js';
import { command } from '../cli/spec.js';

export default command({
  summary: 'Print the shell completion script for bash, zsh or fish, or how to set it up.',
  description: `With a shell name, prints its completion script; without one, says how to install it for your shell ($SHELL). Completion offers commands, flags and live values asked of the daemon: task ids (running first for kill and logs), type names for run, schedule names, worker ids and, for hosts forget, the other daemons of a shared store. It never starts a daemon and offers no live values when the daemon does not answer within 300 ms (BLANKET_COMPLETE_TIMEOUT, in ms), so a stopped or stuck daemon never hangs the shell. The script calls blanket on each TAB, so it stays right as blanket changes; install it once.`,
  examples: [
    '<%= config.bin %> autocomplete',
    '<%= config.bin %> autocomplete bash > ~/.local/share/bash-completion/completions/blanket',
    '<%= config.bin %> autocomplete zsh > ~/.zfunc/_blanket',
    '<%= config.bin %> autocomplete fish > ~/.config/fish/completions/blanket.fish',
  ],
  args: [{ name: 'shell', description: `The shell to print the script for: ${SHELLS.join(', ')}.` }],
  async run({ args, output }) {
    if (args.shell) {
      if (!(SHELLS as readonly string[]).includes(args.shell)) throw usage(`no completion for "${args.shell}"`, `shells: ${SHELLS.join(', ')}`);
      const shell = args.shell as Shell;
      output({ shell, script: completionScript(shell) }, (r) => r.script);
      return;
    }
    const detected = path.basename(process.env.SHELL ?? '');
    const shells = (SHELLS as readonly string[]).includes(detected) ? [detected as Shell] : [...SHELLS];
    output({ shells: shells.map((shell) => ({ shell, steps: setupSteps(shell) })) }, (r) =>
      r.shells.map((s) => [`Shell completion for ${s.shell}: run`, ...s.steps.map((l) => `  ${l}`)].join('\n')).join('\n\n'),
    );
  },
});
