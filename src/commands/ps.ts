import { usage } from '../cli/errors.js';
import { renderPs } from '../cli/render/task.js';
import { command } from '../cli/spec.js';
import type { PsParams } from '../protocol/methods.js';
import { STATES, type State } from '../protocol/model.js';

export default command({
  summary: 'List tasks: running, then queued in run order, then the latest finished.',
  examples: [
    '<%= config.bin %> ps',
    '<%= config.bin %> ps --state ERROR,TIMEDOUT -n 50',
    '<%= config.bin %> ps --type echo_task --label nightly',
    '<%= config.bin %> ps -q --state WAITING | xargs blanket kill',
    '<%= config.bin %> ps --watch',
  ],
  flags: {
    state: { kind: 'string', char: 's', description: `Only these states (comma-separated): ${STATES.join(', ')}.`, multiple: true },
    type: { kind: 'string', char: 't', description: 'Only tasks of this type.' },
    label: { kind: 'string', char: 'l', description: 'Only tasks with this label.' },
    worker: { kind: 'string', char: 'w', description: 'Only tasks on this worker.' },
    limit: { kind: 'integer', char: 'n', description: 'Rows per section.', default: 20, min: 1, max: 10000 },
    quiet: { kind: 'boolean', char: 'q', description: 'Print ids only, one per line.' },
    watch: { kind: 'boolean', description: 'Keep watching: redraw on a terminal, one line per transition otherwise (Ctrl-C to stop).' },
  },
  async run({ flags, call, client, output }) {
    const params: PsParams = { limit: flags.limit };
    if (flags.state?.length) {
      const states = flags.state
        .flatMap((s) => s.split(','))
        .map((s) => s.trim().toUpperCase())
        .filter(Boolean);
      const bad = states.filter((s) => !(STATES as readonly string[]).includes(s));
      if (bad.length) throw usage(`unknown state ${bad.join(', ')}`, `states are ${STATES.join(', ')}`);
      params.states = states as State[];
    }
    if (flags.type !== undefined) params.type = flags.type;
    if (flags.label !== undefined) params.label = flags.label;
    if (flags.worker !== undefined) params.worker = flags.worker;
    if (flags.watch) {
      const { watchPs } = await import('../cli/watch.js');
      return watchPs(await client(), params, { tty: process.stdout.isTTY === true, columns: () => process.stdout.columns || 120 });
    }
    const result = await call('ps', params);
    output(result, (r) => (flags.quiet ? [...r.running, ...r.queued, ...r.finished].map((t) => t.id).join('\n') : renderPs(r, Date.now(), process.stdout.columns || 120)));
  },
});
