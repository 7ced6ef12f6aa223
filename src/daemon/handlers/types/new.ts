import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { starterType } from '../../../core/starter.js';
import { BlanketError } from '../../../protocol/errors.js';
import type { Handler } from '../../context.js';

/** Write a commented starter file into the user's task-types dir, where the daemon discovers types; it is in force at once. */
export const typesNew: Handler<'types.new'> = async ({ name, executor }, { daemon }) => {
  const dir = daemon.paths.typesDir;
  const file = path.join(dir, `${name}.toml`);
  if (existsSync(file)) throw new BlanketError('EXISTS', `${file} exists already`, { hint: `edit it, or remove it first` });
  const before = daemon.types.get(name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(file, starterType(name, executor), { flag: 'wx' });
  const errors = daemon.types.readFile(file);
  const type = daemon.types.get(name);
  if (errors.length || !type) throw new BlanketError('INTERNAL', `the starter file ${file} does not load: ${errors.map((e) => e.message).join('; ')}`);
  return { path: file, type, ...(before && before.source !== file ? { overrides: before.source } : {}) };
};
