import type { Handler } from '../context.js';
import { prepare, submit } from '../submit.js';

export const run: Handler<'run'> = async (params, { daemon }) => {
  const { draft, warnings } = await prepare(daemon, params);
  const [task] = await submit(daemon, [draft]);
  return { task: task!, warnings };
};
