import path from 'node:path';
import { BlanketError } from '../../../protocol/errors.js';
import type { TaskTypeInfo, TypeLoadError } from '../../../protocol/model.js';
import type { Handler } from '../../context.js';
import { which } from '../../../os/which.js';
import { isRoot } from '../../../os/users.js';

/** Check one file's text, one type by name, or every type in force; executors must be on PATH. */
export const typesValidate: Handler<'types.validate'> = async (params, { daemon }) => {
  const errors: TypeLoadError[] = [];
  const warnings: string[] = [];
  let infos: TaskTypeInfo[];
  if (params.content !== undefined) {
    const file = params.file ?? 'stdin.toml';
    const res = daemon.types.check(path.basename(file, '.toml'), file, params.content);
    errors.push(...res.errors);
    infos = res.info ? [res.info] : [];
  } else if (params.name !== undefined) {
    const t = daemon.types.get(params.name);
    if (!t) throw new BlanketError('UNKNOWN_TYPE', `unknown task type "${params.name}"`, { hint: "list the types with 'blanket types ls'" });
    infos = [t];
    errors.push(...daemon.types.errors().filter((e) => e.file === t.source));
  } else {
    infos = daemon.types.all();
    errors.push(...daemon.types.errors());
  }
  for (const t of infos) {
    if (!which(t.executor)) errors.push({ file: t.source, message: `executor: "${t.executor}" is not on PATH (${t.name})` });
    for (const w of t.warnings) warnings.push(`${t.source}: ${w}`);
    if (t.user !== undefined && !isRoot()) {
      warnings.push(`${t.source}: user = "${t.user}": this daemon is not root, so its tasks will be refused at submit (RUN_AS_NOT_ROOT); run the daemon as root to use it`);
    }
  }
  return { ok: errors.length === 0, errors, warnings, checked: infos.map((t) => t.name) };
};
