import { BlanketError } from '../../../protocol/errors.js';
import type { Handler } from '../../context.js';
import { STORED_PREFIX } from '../../types/registry.js';

/** Store a type given as text (TOML, or JSON with the same fields) after checking it as a file would be. */
export const typesAdd: Handler<'types.add'> = async ({ name, content, file }, { daemon }) => {
  const { info, errors } = daemon.types.check(name, file ?? STORED_PREFIX + name, content);
  if (errors.length || !info) {
    throw new BlanketError('TYPE_INVALID', `task type ${name} is invalid:\n${errors.map((e) => `${e.file}${e.line ? `:${e.line}` : ''}: ${e.message}`).join('\n')}`, {
      hint: 'fix it and add it again; nothing was stored',
      details: { errors },
    });
  }
  const replaced = daemon.types.hasStored(name);
  const stored = { name, format: content.trimStart().startsWith('{') ? ('json' as const) : ('toml' as const), content, addedAt: daemon.now() };
  await daemon.store.putStoredType(stored);
  daemon.types.putStored(stored);
  const shadowedBy = daemon.types.fileOf(name);
  const warnings = [...info.warnings];
  if (shadowedBy) warnings.push(`the file ${shadowedBy} defines ${name} too, and a file wins: the stored type is used only once that file is gone`);
  daemon.log.info(replaced ? 'stored task type replaced' : 'stored task type added', { type: name, ...(shadowedBy ? { shadowedBy } : {}) });
  return { type: daemon.types.get(name)!, replaced, ...(shadowedBy ? { shadowedBy } : {}), warnings };
};
