import { renderTypeList } from '../../cli/render/types.js';
import { command } from '../../cli/spec.js';

export default command({
  summary: 'List the task types in force, and any type files with problems.',
  examples: ['<%= config.bin %> types ls'],
  async run({ call, output }) {
    output(await call('types.ls', {}), (x) => renderTypeList(x.types, x.errors));
  },
});
