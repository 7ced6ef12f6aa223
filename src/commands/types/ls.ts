import { BlanketCommand } from '../../cli/base.js';
import { renderTypeList } from '../../cli/render/types.js';

export default class TypesLs extends BlanketCommand {
  static summary = 'List the task types in force, and any type files with problems.';
  static examples = ['<%= config.bin %> types ls'];

  async run(): Promise<void> {
    await this.parse(TypesLs);
    const r = await this.call('types.ls', {});
    this.output(r, (x) => renderTypeList(x.types, x.errors));
  }
}
