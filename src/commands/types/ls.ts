import { renderTypeList } from '../../cli/render/types.js';
import { command } from '../../cli/spec.js';
import { BUNDLED_TYPES } from '../../pkg.js';

export default command({
  summary: 'List the task types in force with their source (bundled, a file, or db for added ones), and any problems.',
  examples: ['<%= config.bin %> types ls'],
  async run({ call, output }) {
    output(await call('types.ls', {}), (x) => renderTypeList(x.types, x.errors, BUNDLED_TYPES));
  },
});
