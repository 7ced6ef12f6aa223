import { formatLoadError } from '../../cli/render/types.js';
import { command } from '../../cli/spec.js';

export default command({
  summary: 'Read every task-type directory and the stored types again.',
  description:
    'The daemon re-reads files when they change; rescan is for changes it could not see (a network filesystem, a new types_paths directory that now exists). Exits 1 when a type has problems; the last good version of a broken file stays in force.',
  examples: ['<%= config.bin %> types rescan'],
  async run({ call, output }) {
    const r = await call('types.rescan', {});
    output(r, (x) => [`${x.types} task type${x.types === 1 ? '' : 's'} in force`, ...x.errors.map((e) => `error: ${formatLoadError(e)}`)].join('\n'));
    if (r.errors.length) process.exitCode = 1;
  },
});
