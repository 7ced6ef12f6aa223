import { readFileSync } from 'node:fs';
import { command } from '../cli/spec.js';
import { BlanketError } from '../protocol/errors.js';

export default command({
  summary: 'Show the configuration in force and where each value comes from.',
  description: `Each option's value comes from its default, from config.toml (shown as file:line), or from a BLANKET_* environment variable, which wins over the file. The daemon reads the same at start, so this shows what a daemon started from this shell would use; restart the daemon after a change. An invalid configuration is reported with file:line (or the variable) and exits 1. Every option is described in docs/configuration.md.`,
  examples: ['<%= config.bin %> config', '<%= config.bin %> config --json', 'BLANKET_WORKER_SLOTS=2 <%= config.bin %> config'],
  async run({ paths: getPaths, output }) {
    const { ConfigError, effectiveConfig, explainConfig } = await import('../core/config.js');
    const { renderConfig } = await import('../cli/render/config.js');
    const paths = getPaths();
    let text: string | undefined;
    try {
      text = readFileSync(paths.config, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new BlanketError('CONFIG_INVALID', `cannot read ${paths.config}: ${(err as Error).message}`);
    }
    let eff;
    try {
      eff = effectiveConfig(text, process.env, paths.config);
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      throw new BlanketError('CONFIG_INVALID', `invalid configuration:\n${err.message}`, {
        hint: `fix ${paths.config} (or the variable named) and run 'blanket config' again`,
        details: { errors: err.errors },
      });
    }
    const report = {
      home: paths.home,
      homeFrom: process.env.BLANKET_HOME ? 'env BLANKET_HOME' : 'default',
      file: paths.config,
      fileExists: text !== undefined,
      options: explainConfig(eff),
    };
    output(report, renderConfig);
  },
});
