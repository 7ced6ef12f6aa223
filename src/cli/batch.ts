// `run --batch`: JSON lines of submit params. The whole input is read and checked before
// anything is sent (not JSON, bad params, a line too large for one message: nothing is
// queued); then it goes in chunks sized by their encoded bytes, well under the daemon's
// message cap, in order over one connection. Each chunk is all or nothing, so on a failure
// the queued lines are exactly the chunks before it, and the result says so line by line.
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import path from 'node:path';
import type { Client } from '../client/client.js';
import { BlanketError, type ErrorCode } from '../protocol/errors.js';
import { DEFAULT_MAX_MESSAGE } from '../protocol/framing.js';
import { submitParams } from '../protocol/methods.js';
import { SchemaError } from '../protocol/schema.js';
import { captureEnv } from '../core/callerenv.js';
import { usage } from './errors.js';
import { submitterCwd } from './submitter.js';

/** At most this many lines per chunk (the protocol takes up to 10 000). */
const CHUNK_LINES = 2000;
/** Bytes of a run.batch request besides its tasks: the JSON-RPC envelope, with room to spare. */
const ENVELOPE = 256;

/** What became of one input line: queued (its id), refused (its error), not sent, or unknown (the daemon went away before it answered). */
export type BatchLine =
  | { line: number; status: 'queued'; id: string }
  | { line: number; status: 'refused'; error: { code: ErrorCode; message: string } }
  | { line: number; status: 'not-sent' | 'unknown' };

export interface BatchResult {
  /** The ids of the queued tasks, in line order. */
  ids: string[];
  lines: BatchLine[];
}

interface Entry {
  line: number;
  task: unknown;
  /** Bytes of its JSON in the request. */
  bytes: number;
}

export async function runBatch(connect: () => Promise<Client>, file: string): Promise<BatchResult> {
  const { entries, bad } = await readLines(file);
  if (bad.length) throw refusedInput(file, entries, bad);
  if (entries.length === 0) return { ids: [], lines: [] };
  const client = await connect();
  const cap = (await client.server()).maxMessageBytes ?? DEFAULT_MAX_MESSAGE;
  const tooLarge = entries.filter((e) => e.bytes + ENVELOPE > cap);
  if (tooLarge.length) {
    const refused = tooLarge.map((e) => bad1(e.line, 'MESSAGE_TOO_LARGE', ` is ${e.bytes} bytes as JSON; the daemon reads messages of at most ${cap} bytes`));
    throw refusedInput(file, entries, refused, 'make the line smaller (e.g. put large values in a file the command reads), or raise max_message_bytes in config.toml');
  }
  return send(client, file, entries, chunks(entries, cap));
}

/** Chunks in order: each under half the cap and CHUNK_LINES lines; a line too big for that goes alone. */
export function chunks(entries: Entry[], cap: number): Entry[][] {
  const budget = Math.floor(cap / 2) - ENVELOPE;
  const out: Entry[][] = [];
  let cur: Entry[] = [];
  let size = 0;
  for (const e of entries) {
    if (cur.length && (cur.length >= CHUNK_LINES || size + e.bytes + 1 > budget)) {
      out.push(cur);
      cur = [];
      size = 0;
    }
    cur.push(e);
    size += e.bytes + 1;
  }
  if (cur.length) out.push(cur);
  return out;
}

interface BadLine {
  line: number;
  code: ErrorCode;
  /** What is wrong, after "line N": " is not JSON", ": priority: expected …". */
  what: string;
}
const bad1 = (line: number, code: ErrorCode, what: string): BadLine => ({ line, code, what });

async function readLines(file: string): Promise<{ entries: Entry[]; bad: BadLine[] }> {
  const input = file === '-' ? process.stdin : createReadStream(file);
  input.on('error', () => {});
  const entries: Entry[] = [];
  const bad: BadLine[] = [];
  let lineNo = 0;
  // Ad-hoc lines run where the batch is submitted: this directory.
  const here = submitterCwd(undefined);
  try {
    for await (const text of createInterface({ input, crlfDelay: Infinity })) {
      lineNo++;
      if (text.trim() === '') continue;
      let task: unknown;
      try {
        task = adhocHere(JSON.parse(text), here);
      } catch {
        bad.push(bad1(lineNo, 'USAGE', ' is not JSON'));
        continue;
      }
      try {
        submitParams.parse(task);
      } catch (err) {
        if (!(err instanceof SchemaError)) throw err;
        bad.push(bad1(lineNo, 'INVALID_PARAMS', `: ${err.message}`));
        continue;
      }
      entries.push({ line: lineNo, task, bytes: Buffer.byteLength(JSON.stringify(task)) });
    }
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw usage(`no such file: ${file}`);
    if (typeof code === 'string' && code.startsWith('E')) throw usage(`cannot read ${file}: ${(err as Error).message}`, 'give a readable file of JSON lines, or - for stdin');
    throw err;
  }
  return { entries, bad };
}

/** Bad input lines: nothing was sent. The error names the first (and counts the rest); details list every line. */
function refusedInput(file: string, entries: Entry[], bad: BadLine[], hint?: string): BlanketError {
  const [first] = bad;
  const more =
    bad.length > 1
      ? ` (and ${bad.length - 1} more bad line${bad.length > 2 ? 's' : ''}: ${bad
          .slice(1, 11)
          .map((b) => b.line)
          .join(', ')}${bad.length > 11 ? ', …' : ''})`
      : '';
  const byLine = new Map<number, BatchLine>(entries.map((e) => [e.line, { line: e.line, status: 'not-sent' }]));
  for (const b of bad) byLine.set(b.line, { line: b.line, status: 'refused', error: { code: b.code, message: b.what.replace(/^:? /, '') } });
  const lines = [...byLine.values()].sort((a, b) => a.line - b.line);
  const fix = first!.code === 'INVALID_PARAMS' || first!.code === 'USAGE' ? 'one JSON object of run params per line, e.g. {"type":"echo_task","env":{"A":"1"}}' : undefined;
  return new BlanketError(first!.code, `${file}: line ${first!.line}${first!.what}${more}; nothing was queued`, {
    hint: hint ?? fix ?? 'fix the line and run the batch again',
    details: { ids: [], lines },
  });
}

async function send(client: Client, file: string, entries: Entry[], parts: Entry[][]): Promise<BatchResult> {
  const ids: string[] = [];
  const lines: BatchLine[] = [];
  const callerEnv = captureEnv(process.env);
  for (const [k, part] of parts.entries()) {
    try {
      const tasks = part.map((e) => e.task);
      // Ad-hoc lines run as the batch is submitted: with this environment, sent once per chunk.
      const r = await client.call('run.batch', { tasks, ...(tasks.some(isAdhoc) ? { callerEnv } : {}) });
      part.forEach((e, i) => lines.push({ line: e.line, status: 'queued', id: r.ids[i]! }));
      ids.push(...r.ids);
    } catch (err) {
      const be = err instanceof BlanketError ? err : new BlanketError('INTERNAL', String((err as Error)?.message ?? err), { cause: err });
      const index = typeof be.details.index === 'number' ? be.details.index : undefined;
      const rest = parts.slice(k + 1).flat();
      // A refusal names its line and writes nothing of the chunk; without an answer, the chunk's fate is unknown.
      for (const [i, e] of part.entries()) {
        if (index === undefined) lines.push({ line: e.line, status: 'unknown' });
        else if (i === index) lines.push({ line: e.line, status: 'refused', error: { code: be.code, message: be.message.replace(/^tasks\[\d+\]: /, '') } });
        else lines.push({ line: e.line, status: 'not-sent' });
      }
      for (const e of rest) lines.push({ line: e.line, status: 'not-sent' });
      throw new BlanketError(be.code, failureMessage(file, be, index === undefined ? undefined : part[index]!.line, entries, ids.length, part, rest.length), {
        ...(be.hint ? { hint: be.hint } : {}),
        details: { ids, lines },
      });
    }
  }
  return { ids, lines };
}

function span(a: number, b: number): string {
  return a === b ? `line ${a}` : `lines ${a}-${b}`;
}

function failureMessage(file: string, be: BlanketError, badLine: number | undefined, entries: Entry[], queued: number, part: Entry[], later: number): string {
  const what = badLine !== undefined ? `${file}: line ${badLine}: ${be.message.replace(/^tasks\[\d+\]: /, '')}` : `${file}: ${be.message}`;
  const done = queued ? `${span(entries[0]!.line, entries[queued - 1]!.line)} were queued as ${queued} task${queued === 1 ? '' : 's'} (the ids are printed)` : 'nothing was queued';
  const chunk = span(part[0]!.line, part[part.length - 1]!.line);
  const fate = badLine !== undefined ? `${chunk} were not queued` : `${chunk} may or may not have been queued (the daemon did not answer; see blanket ps)`;
  const after = later ? `, nor the ${later} line${later === 1 ? '' : 's'} after ${later === 1 ? 'it' : 'them'}` : '';
  return `${what} (${done}; ${fate}${after})`;
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
