// `run --result FILE`: print a file the task wrote into its result directory.
import { createReadStream } from 'node:fs';
import path from 'node:path';
import type { Task } from '../protocol/model.js';
import { safeRelativePath } from '../core/tasktype.js';
import { usage } from './errors.js';

export async function printResultFile(task: Task, name: string): Promise<void> {
  if (!safeRelativePath(name)) throw usage(`--result ${name}: must be a relative path inside the task's result directory`);
  const file = path.join(task.resultDir, name);
  await new Promise<void>((resolve, reject) => {
    const s = createReadStream(file);
    s.on('error', (err) =>
      reject(usage(`--result ${name}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'the task did not write it' : (err as Error).message}`, `files in ${task.resultDir}`)),
    );
    s.on('end', () => resolve());
    s.pipe(process.stdout, { end: false });
  });
}
