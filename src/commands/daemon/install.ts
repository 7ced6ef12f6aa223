import { command } from '../../cli/spec.js';
import { BlanketError } from '../../protocol/errors.js';

export default command({
  summary: 'Write a systemd user unit (a launchd agent on macOS) that keeps the daemon running.',
  description: `The service runs "blanket daemon start --foreground" with this node and this blanket, restarts it when it fails, and carries BLANKET_HOME, BLANKET_SOCKET, XDG_CONFIG_HOME, XDG_STATE_HOME and PATH from this shell when they are set. It prints the commands that enable and start the service; it does not run them. The unit goes to $XDG_CONFIG_HOME/systemd/user/blanket.service (default ~/.config), the agent to ~/Library/LaunchAgents/dev.blanket.daemon.plist. An existing different file is kept unless --force is given; installing the same file again changes nothing.`,
  examples: [
    '<%= config.bin %> daemon install',
    '<%= config.bin %> daemon install --print   # show the unit, write nothing',
    '<%= config.bin %> daemon install --force   # replace a unit written for another blanket',
  ],
  flags: {
    print: { kind: 'boolean', description: 'Print the service file instead of writing it.' },
    force: { kind: 'boolean', description: 'Replace an existing service file that differs.' },
  },

  async run({ flags, output }) {
    const { serviceTarget } = await import('../../cli/service.js');
    const { enableSteps } = await import('../../core/service.js');
    const target = serviceTarget();
    if (flags.print) {
      output({ ...target, written: false }, (r) => r.content);
      return;
    }
    const { mkdirSync, readFileSync, writeFileSync } = await import('node:fs');
    const path = await import('node:path');
    let existing: string | undefined;
    try {
      existing = readFileSync(target.file, 'utf8');
    } catch {
      existing = undefined;
    }
    if (existing !== undefined && existing !== target.content && !flags.force) {
      throw new BlanketError('EXISTS', `${target.file} exists and differs from the service file blanket would write`, {
        hint: "compare with 'blanket daemon install --print'; replace it with --force",
      });
    }
    const unchanged = existing === target.content;
    if (!unchanged) {
      mkdirSync(path.dirname(target.file), { recursive: true });
      writeFileSync(target.file, target.content, { mode: 0o644 });
    }
    const steps = enableSteps(target.kind, target.file);
    output({ ...target, written: !unchanged, steps }, (r) =>
      [`${r.written ? 'wrote' : 'already installed, unchanged:'} ${r.file}`, 'to enable and start it, run:', ...r.steps.map((s) => `  ${s}`)].join('\n'),
    );
  },
});
