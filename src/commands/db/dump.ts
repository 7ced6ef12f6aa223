import { command } from '../../cli/spec.js';
import { usage } from '../../cli/errors.js';
import { DUMP_KINDS, type DbDumpPage, type DumpKind } from '../../protocol/db.js';

export default command({
  summary: 'Print the records of the store as JSON lines: tasks (by id range), meta, index keys, or all.',
  description:
    'One JSON value per line, in key order. --kind task (the default) prints each task record; meta, index and all print {"key", "value"} objects. A record that is not valid JSON is printed as {"key", "error", "raw"}, so a damaged store can be dumped too. Works with or without a daemon running; it never starts one.',
  examples: ['<%= config.bin %> db dump > tasks.jsonl', '<%= config.bin %> db dump --from 1sc46g00 --to 1sc47', '<%= config.bin %> db dump --kind all | jq -c .key'],
  flags: {
    kind: { kind: 'string', char: 'k', description: `What to print: ${DUMP_KINDS.join(', ')}.`, default: 'task', options: DUMP_KINDS },
    from: { kind: 'string', description: 'First task id (or prefix) to print.' },
    to: { kind: 'string', description: 'Last task id to print (a prefix includes every id starting with it).' },
  },
  async run({ flags, paths: getPaths }) {
    const { viaDaemonOrDirect } = await import('../../cli/db.js');
    const kind = flags.kind as DumpKind;
    if ((flags.from !== undefined || flags.to !== undefined) && kind !== 'task') throw usage('--from and --to select task ids: use them with --kind task');
    for (const v of [flags.from, flags.to]) if (v !== undefined && !/^[0-9a-z]+$/.test(v)) throw usage(`${v}: not a task id`);
    const paths = getPaths();
    const q = { kind, ...(flags.from !== undefined ? { from: flags.from } : {}), ...(flags.to !== undefined ? { to: flags.to } : {}) };
    const print = (page: DbDumpPage) => {
      if (page.records.length) process.stdout.write(page.records.map((r) => JSON.stringify(r)).join('\n') + '\n');
    };
    await viaDaemonOrDirect(
      paths,
      async (c) => {
        for (let after: string | undefined; ;) {
          const page = await c.call('db.dump', { ...q, limit: 1000, ...(after !== undefined ? { after } : {}) });
          print(page);
          if (page.next === undefined) return;
          after = page.next;
        }
      },
      async () => (await import('../../daemon/store/offline.js')).offlineDump(paths.db, { ...q, limit: 1000 }, print),
    );
  },
});
