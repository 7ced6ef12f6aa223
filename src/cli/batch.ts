// `run --batch`: JSON lines of submit params, sent in chunks over one connection.
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import path from 'node:path';
import type { Client } from '../client/client.js';
import { BlanketError } from '../protocol/errors.js';
import { captureEnv } from '../core/callerenv.js';
import { usage } from './errors.js';
import { submitterCwd } from './submitter.js';

const CHUNK = 2000;

export async function runBatch(client: Client, file: string): Promise<string[]> {
  const input = file === '-' ? process.stdin : createReadStream(file);
  input.on('error', () => {});
  const lines = createInterface({ input, crlfDelay: Infinity });
  const ids: string[] = [];
  // Ad-hoc lines run where and as the batch is submitted: this directory, and this environment (sent once per call).
  const here = submitterCwd(undefined);
  const callerEnv = captureEnv(process.env);
  let chunk: unknown[] = [];
  let lineNo = 0;
  let firstLine = 1;
  const flush = async () => {
    if (!chunk.length) return;
    try {
      ids.push(...(await client.call('run.batch', { tasks: chunk, ...(chunk.some(isAdhoc) ? { callerEnv } : {}) })).ids);
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
        chunk.push(adhocHere(JSON.parse(line), here));
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

/** An ad-hoc line (type shell) gets this directory as its cwd; a relative cwd is read from here too. */
function adhocHere(line: unknown, here: string): unknown {
  if (!isAdhoc(line)) return line;
  const cwd = (line as { cwd?: unknown }).cwd;
  if (cwd !== undefined && typeof cwd !== 'string') return line; // the daemon says what is wrong with it
  return { ...line, cwd: path.resolve(here, cwd ?? '.') };
}

function isAdhoc(line: unknown): line is { type: 'shell'; cwd?: unknown } {
  return typeof line === 'object' && line !== null && (line as { type?: unknown }).type === 'shell';
}
