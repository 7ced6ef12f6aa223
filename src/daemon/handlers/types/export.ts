import { typeToDoc, typeToToml } from '../../../core/tasktype.js';
import type { Handler } from '../../context.js';
import { typesShow } from './show.js';

/** A type as a self-contained file (extends applied), in TOML or JSON: what `types add` takes back. */
export const typesExport: Handler<'types.export'> = async ({ name, format = 'toml' }, ctx) => {
  const t = await typesShow({ name }, ctx);
  const text =
    format === 'json' ? JSON.stringify(typeToDoc(t), null, 2) + '\n' : typeToToml(t, `${t.name}: exported from ${t.source}${t.extends ? ` (extends ${t.extends}, applied)` : ''}`);
  return { name: t.name, format, source: t.source, text };
};
