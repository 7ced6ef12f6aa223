// `run --batch`: JSON lines of submit params, sent in chunks over one connection.
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Client } from '../client/client.js';
import { BlanketError } from '../protocol/errors.js';
import { usage } from './errors.js';

const CHUNK = 2000;

export async function runBatch(client: Client, file: string): Promise<string[]> {
  const input = file === '-' ? process.stdin : createReadStream(file);
  input.on('error', () => {});
  const lines = createInterface({ input, crlfDelay: Infinity });
  const ids: string[] = [];
  let chunk: unknown[] = [];
  let lineNo = 0;
  let firstLine = 1;
  const flush = async () => {
    if (!chunk.length) return;
    try {
      ids.push(...(await client.call('run.batch', { tasks: chunk })).ids);
    } catch (err) {
      if (err instanceof BlanketError && typeof err.details.index === 'number') {
        const where = `line ${firstLine + err.details.index}`;
        throw new BlanketError(err.code, `${file}: ${where}: ${err.message.replace(/^tasks\[\d+\]: /, '')}${ids.length ? ` (the ${ids.length} tasks before this chunk were queued)` : ''}`, err.hint ? { hint: err.hint } : {});
      }
      throw err;
    }
    chunk = [];
  };
  try {
    for await (const line of lines) {
      lineNo++;
      if (line.trim() === '') continue;
      if (chunk.length === 0) firstLine = lineNo;
      try {
        chunk.push(JSON.parse(line));
      } catch {
        // Earlier chunks are already queued: say so, as a refused chunk does.
        throw usage(`${file}: line ${lineNo} is not JSON${ids.length ? ` (the ${ids.length} tasks before this chunk were queued)` : ''}`, 'one JSON object per line, e.g. {"type":"echo_task","env":{"A":"1"}}');
      }
      if (chunk.length >= CHUNK) await flush();
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw usage(`no such file: ${file}`);
    throw err;
  }
  await flush();
  return ids;
}
