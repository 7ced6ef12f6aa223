import { command } from '../../cli/spec.js';
import { BlanketError } from '../../protocol/errors.js';

export default command({
  summary: 'Remove the service file that daemon install wrote.',
  description: `Removes the systemd user unit (and its enable links) or the launchd agent, then prints the commands that stop a service still loaded. A file blanket did not write is kept unless --force is given.`,
  examples: ['<%= config.bin %> daemon uninstall'],
  flags: {
    force: { kind: 'boolean', description: 'Remove the service file even if blanket did not write it.' },
  },

  async run({ flags, output }) {
    const { readdirSync, readFileSync, readlinkSync, unlinkSync } = await import('node:fs');
    const path = await import('node:path');
    const { serviceTarget } = await import('../../cli/service.js');
    const { disableSteps, SERVICE_MARKER } = await import('../../core/service.js');
    const { kind, file } = serviceTarget();
    let existing: string;
    try {
      existing = readFileSync(file, 'utf8');
    } catch {
      output({ kind, file, removed: false, steps: [] as string[] }, (r) => `no service file at ${r.file}; nothing to remove`);
      return;
    }
    if (!existing.includes(SERVICE_MARKER) && !flags.force) {
      throw new BlanketError('EXISTS', `${file} was not written by 'blanket daemon install'`, { hint: 'remove it yourself, or use --force' });
    }
    unlinkSync(file);
    // What `systemctl --user enable` made: links in *.wants/ directories beside the unit.
    const links: string[] = [];
    if (kind === 'systemd') {
      const dir = path.dirname(file);
      for (const wants of readdirSync(dir).filter((d) => d.endsWith('.wants'))) {
        const link = path.join(dir, wants, path.basename(file));
        try {
          if (path.resolve(path.dirname(link), readlinkSync(link)) === file) {
            unlinkSync(link);
            links.push(link);
          }
        } catch {
          // no such link
        }
      }
    }
    const steps = disableSteps(kind);
    output({ kind, file, removed: true, links, steps }, (r) =>
      [`removed ${r.file}`, ...r.links.map((l) => `removed ${l}`), 'if the service is still loaded, run:', ...r.steps.map((s) => `  ${s}`)].join('\n'),
    );
  },
});
