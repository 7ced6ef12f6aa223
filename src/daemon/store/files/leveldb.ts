// Checks a LevelDB directory's files without opening it (opening replays the
// log, drops records it cannot read and rewrites files): CURRENT, the MANIFEST,
// the write-ahead logs LevelDB would replay, and the tables the MANIFEST lists
// (their footer, index and meta blocks, and with `deep` every block's CRC).
// classic-level does not expose LevelDB's paranoid_checks or
// verify_checksums, so this is how blanket finds flipped bytes.
import { readdir, readFile, open, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { crc32c, mask } from './crc32c.js';
import { uncompress } from './snappy.js';

export interface FileProblem {
  file: string;
  offset?: number;
  message: string;
  /** A table's data block whose checksum fails (its length, without the trailer): repair can drop just it. */
  dataBlock?: number;
}

export interface FilesReport {
  problems: FileProblem[];
  manifest?: string;
  /** Live tables (the MANIFEST lists them), by file name, with their sizes. */
  tables: Record<string, number>;
  /** Size, modification time and inode of each live table: a file rewritten since it was checked has another. */
  fingerprints: Record<string, string>;
  logs: string[];
  /** Tables whose every block was checked. */
  deepChecked: string[];
  blocks: number;
  bytes: number;
}

export interface VerifyOptions {
  /** Check every block of a table, or only its footer, index and meta blocks. Default: all tables deep. */
  deep?: (file: string, fingerprint: string) => boolean;
}

const BLOCK = 32768;
const HEADER = 7;
const FOOTER = 48;
const MAGIC_LO = 0x8b80fb57;
const MAGIC_HI = 0xdb477524;

class Corrupt extends Error {
  constructor(
    message: string,
    readonly offset?: number,
  ) {
    super(message);
  }
}

function varint(buf: Uint8Array, pos: number, end = buf.length): [number, number] {
  let result = 0;
  for (let shift = 0; shift <= 63; shift += 7) {
    if (pos >= end) throw new Corrupt('truncated varint', pos);
    const b = buf[pos++]!;
    result += (b & 0x7f) * 2 ** shift;
    if ((b & 0x80) === 0) return [result, pos];
  }
  throw new Corrupt('varint too long', pos);
}

/**
 * The records of a file in LevelDB's log format (write-ahead logs and the MANIFEST), read as
 * LevelDB reads them: a record cut short at the end of the file is a writer that died (not
 * damage); a bad checksum, length or fragment order anywhere is.
 */
export function logRecords(buf: Buffer, file: string, problems: FileProblem[]): Buffer[] {
  const out: Buffer[] = [];
  let frag: Buffer[] | undefined;
  let pos = 0;
  while (pos < buf.length) {
    const blockEnd = Math.min((Math.floor(pos / BLOCK) + 1) * BLOCK, buf.length);
    if (blockEnd - pos < HEADER) {
      pos = blockEnd; // block trailer, or a header cut short at the end
      continue;
    }
    const want = buf.readUInt32LE(pos);
    const len = buf.readUInt16LE(pos + 4);
    const type = buf[pos + 6]!;
    if (type === 0 && len === 0) {
      pos = blockEnd; // preallocated zeros
      continue;
    }
    if (pos + HEADER + len > blockEnd) {
      // Cut short at the end: the writer died mid-record. Unless some of the bytes that are
      // there check out as the whole record: then it is the length that is damaged.
      if (blockEnd === buf.length && !completeRecordAt(buf, pos, want)) break;
      problems.push({ file, offset: pos, message: 'bad record length' });
      frag = undefined;
      pos = blockEnd;
      continue;
    }
    if (mask(crc32c(buf, 0, pos + 6, pos + HEADER + len)) !== want) {
      problems.push({ file, offset: pos, message: 'checksum mismatch in a log record' });
      frag = undefined;
      pos = blockEnd;
      continue;
    }
    const data = buf.subarray(pos + HEADER, pos + HEADER + len);
    if (type === 1 || type === 2) {
      if (frag) problems.push({ file, offset: pos, message: 'a fragmented record without its end' });
      if (type === 1) {
        out.push(data);
        frag = undefined;
      } else frag = [data];
    } else if (type === 3 || type === 4) {
      if (!frag) problems.push({ file, offset: pos, message: 'missing start of a fragmented record' });
      else if (type === 3) frag.push(data);
      else {
        out.push(Buffer.concat([...frag, data]));
        frag = undefined;
      }
    } else {
      problems.push({ file, offset: pos, message: `unknown log record type ${type}` });
      frag = undefined;
    }
    pos += HEADER + len;
  }
  return out;
}

/** Whether the bytes after the header at `pos`, cut at some length, have the header's checksum. */
function completeRecordAt(buf: Buffer, pos: number, want: number): boolean {
  let c = crc32c(buf, 0, pos + 6, pos + HEADER);
  for (let end = pos + HEADER; ; end++) {
    if (mask(c) === want) return true;
    if (end >= buf.length) return false;
    c = crc32c(buf, c, end, end + 1);
  }
}

interface Version {
  logNumber: number;
  prevLogNumber: number;
  files: Map<number, number>;
}

function lengthPrefixed(rec: Buffer, p: number): number {
  const [n, q] = varint(rec, p);
  if (q + n > rec.length) throw new Corrupt('truncated field');
  return q + n;
}

/** Apply one VersionEdit record of the MANIFEST. */
function applyEdit(rec: Buffer, v: Version): void {
  let p = 0;
  let n: number;
  while (p < rec.length) {
    let tag: number;
    [tag, p] = varint(rec, p);
    switch (tag) {
      case 1: // comparator
        p = lengthPrefixed(rec, p);
        break;
      case 2:
        [v.logNumber, p] = varint(rec, p);
        break;
      case 3: // next file number
      case 4: // last sequence
        [, p] = varint(rec, p);
        break;
      case 5: // compact pointer: level, key
        [, p] = varint(rec, p);
        p = lengthPrefixed(rec, p);
        break;
      case 6: // deleted file: level, number
        [, p] = varint(rec, p);
        [n, p] = varint(rec, p);
        v.files.delete(n);
        break;
      case 7: {
        // new file: level, number, size, smallest, largest
        [, p] = varint(rec, p);
        let size: number;
        [n, p] = varint(rec, p);
        [size, p] = varint(rec, p);
        p = lengthPrefixed(rec, p);
        p = lengthPrefixed(rec, p);
        v.files.set(n, size);
        break;
      }
      case 9:
        [v.prevLogNumber, p] = varint(rec, p);
        break;
      default:
        throw new Corrupt(`unknown MANIFEST field ${tag}`);
    }
  }
}

interface Handle {
  offset: number;
  size: number;
}

function handleOf(buf: Uint8Array, p: number, end = buf.length): [Handle, number] {
  const [offset, q] = varint(buf, p, end);
  const [size, r] = varint(buf, q, end);
  return [{ offset, size }, r];
}

/** A block's contents after its trailer's CRC checks out (decompressed when asked). */
function readBlock(file: Buffer, base: number, h: Handle, decode: boolean): Buffer | undefined {
  const start = h.offset - base;
  if (start < 0 || start + h.size + 5 > file.length) throw new Corrupt(`block handle ${h.offset}+${h.size} out of bounds`, h.offset);
  const type = file[start + h.size]!;
  if (mask(crc32c(file, 0, start, start + h.size + 1)) !== file.readUInt32LE(start + h.size + 1)) throw new Corrupt('block checksum mismatch', h.offset);
  if (!decode) return undefined;
  const raw = file.subarray(start, start + h.size);
  if (type === 0) return raw;
  if (type === 1) {
    try {
      return uncompress(raw);
    } catch (err) {
      throw new Corrupt(`bad compressed block: ${(err as Error).message}`, h.offset);
    }
  }
  throw new Corrupt(`unknown block compression ${type}`, h.offset);
}

/** The values of a block's entries (keys are prefix-compressed; only values are needed here). */
function blockValues(b: Buffer): Buffer[] {
  if (b.length < 4) throw new Corrupt('block too short');
  const restarts = b.readUInt32LE(b.length - 4);
  const limit = b.length - 4 - 4 * restarts;
  if (limit < 0) throw new Corrupt('bad restart count');
  const out: Buffer[] = [];
  let p = 0;
  let prevKey = 0;
  while (p < limit) {
    let shared: number, nonShared: number, vlen: number;
    [shared, p] = varint(b, p, limit);
    [nonShared, p] = varint(b, p, limit);
    [vlen, p] = varint(b, p, limit);
    if (shared > prevKey || p + nonShared + vlen > limit) throw new Corrupt('bad block entry');
    prevKey = shared + nonShared;
    out.push(b.subarray(p + nonShared, p + nonShared + vlen));
    p += nonShared + vlen;
  }
  return out;
}

/** Check one table: footer, index and meta blocks; with deep, every data and filter block. */
async function checkTable(file: string, name: string, deep: boolean, report: FilesReport): Promise<void> {
  const fh = await open(file, 'r');
  try {
    const { size } = await fh.stat();
    if (size < FOOTER) throw new Corrupt(`${size} bytes: too short for a table`);
    // Deep: the whole file (tables are a few MB). Otherwise the footer, then the index and meta
    // blocks' checksums.
    const whole = deep ? await readFile(file) : undefined;
    const footer = whole ? whole.subarray(size - FOOTER) : Buffer.alloc(FOOTER);
    if (!whole) await fh.read(footer, 0, FOOTER, size - FOOTER);
    report.bytes += whole ? size : FOOTER;
    if (footer.readUInt32LE(40) !== MAGIC_LO || footer.readUInt32LE(44) !== MAGIC_HI) throw new Corrupt('bad table magic number', size - 8);
    const [meta, p] = handleOf(footer, 0, 40);
    const [index] = handleOf(footer, p, 40);
    const read = async (h: Handle, decode: boolean): Promise<Buffer | undefined> => {
      if (whole) return readBlock(whole, 0, h, decode);
      if (h.offset + h.size + 5 > size - FOOTER) throw new Corrupt(`block handle ${h.offset}+${h.size} out of bounds`, h.offset);
      const buf = Buffer.alloc(h.size + 5);
      await fh.read(buf, 0, buf.length, h.offset);
      report.bytes += buf.length;
      return readBlock(buf, h.offset, h, decode);
    };
    const handles: Array<Handle & { data: boolean }> = [];
    for (const top of [index, meta]) {
      // A table checked whole before, unchanged since (same size, time and inode), had these
      // blocks parsed then: their checksums are enough now, and parsing them was most of the
      // cost of a start with a big store.
      const block = await read(top, deep);
      report.blocks++;
      if (block) for (const v of blockValues(block)) handles.push({ ...handleOf(v, 0)[0], data: top === index });
    }
    if (deep) {
      for (const h of handles) {
        if (h.offset + h.size + 5 > size - FOOTER) throw new Corrupt(`block handle ${h.offset}+${h.size} out of bounds`, h.offset);
        try {
          await read(h, false);
        } catch (err) {
          // A bad data block spoils only its own records: go on checking the others.
          if (!(err instanceof Corrupt) || !h.data) throw err;
          report.problems.push({ file: name, offset: h.offset, message: err.message, dataBlock: h.size });
        }
        report.blocks++;
      }
      report.deepChecked.push(name);
    }
  } catch (err) {
    if (err instanceof Corrupt) report.problems.push({ file: name, ...(err.offset !== undefined ? { offset: err.offset } : {}), message: err.message });
    // A table this check cannot read as it expects (a vanished one aside) is a problem to report, never a crash of the check.
    else if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw err;
    else report.problems.push({ file: name, message: `cannot be checked: ${(err as Error).message}` });
  } finally {
    await fh.close();
  }
}

/** A table file (NNNNNN.ldb, or .sst of older LevelDBs). */
export function isTableFile(name: string): boolean {
  return parseName(name).kind === 'table';
}

function parseName(name: string): { kind: 'current' | 'manifest' | 'log' | 'table' | 'other'; number?: number } {
  if (name === 'CURRENT') return { kind: 'current' };
  let m = /^MANIFEST-(\d+)$/.exec(name);
  if (m) return { kind: 'manifest', number: Number(m[1]) };
  m = /^(\d+)\.log$/.exec(name);
  if (m) return { kind: 'log', number: Number(m[1]) };
  m = /^(\d+)\.(ldb|sst)$/.exec(name);
  if (m) return { kind: 'table', number: Number(m[1]) };
  return { kind: 'other' };
}

/** The records in LevelDB's log format, framed as LevelDB's log writer frames them. */
export function encodeLog(records: Buffer[]): Buffer {
  const chunks: Buffer[] = [];
  let offset = 0; // within the current block
  for (const rec of records) {
    let p = 0;
    let begin = true;
    do {
      if (BLOCK - offset < HEADER) {
        chunks.push(Buffer.alloc(BLOCK - offset)); // trailer: zeros
        offset = 0;
      }
      const len = Math.min(rec.length - p, BLOCK - offset - HEADER);
      const end = p + len === rec.length;
      const type = begin && end ? 1 : begin ? 2 : end ? 4 : 3;
      const header = Buffer.alloc(HEADER);
      header.writeUInt16LE(len, 4);
      header[6] = type;
      header.writeUInt32LE(mask(crc32c(rec, crc32c(header, 0, 6, 7), p, p + len)), 0);
      chunks.push(header, rec.subarray(p, p + len));
      offset += HEADER + len;
      p += len;
      begin = false;
    } while (p < rec.length);
  }
  return Buffer.concat(chunks);
}

/**
 * Before LevelDB's own repair, which reads logs without checksums (LevelDB 1.20 applies a damaged
 * commit as it finds it) and tables without checksums (a damaged block that still decompresses
 * passes as good data): rewrite each damaged log with only the commits whose checksums hold, and
 * zero each table data block whose checksum fails (LevelDB reads a zeroed block as empty). Whole
 * commits and whole blocks are dropped; nothing altered gets through. Returns what was dropped.
 */
export async function dropDamaged(dir: string, report: FilesReport): Promise<string[]> {
  const dropped: string[] = [];
  for (const name of report.logs) {
    if (!report.problems.some((p) => p.file === name)) continue;
    const buf = await readFile(path.join(dir, name));
    const probs: FileProblem[] = [];
    const good = logRecords(buf, name, probs);
    await writeFile(path.join(dir, name), encodeLog(good));
    dropped.push(`${name}: ${probs.length} damaged commits dropped, ${good.length} kept`);
  }
  for (const p of report.problems) {
    if (p.dataBlock === undefined || p.offset === undefined) continue;
    const fh = await open(path.join(dir, p.file), 'r+');
    try {
      await fh.write(Buffer.alloc(p.dataBlock), 0, p.dataBlock, p.offset);
    } finally {
      await fh.close();
    }
    dropped.push(`${p.file}: the data block at byte ${p.offset} (${p.dataBlock} bytes) dropped`);
  }
  return dropped;
}

/** A file that vanished while we read: LevelDB (a live daemon) replaced it. The caller may try again. */
export class FilesChanged extends Error {}

/**
 * Check the files of the LevelDB store in `dir`. A directory that does not exist, or holds
 * no LevelDB files, is a new store: no problems.
 */
export async function verifyFiles(dir: string, opts: VerifyOptions = {}): Promise<FilesReport> {
  const report: FilesReport = { problems: [], tables: {}, fingerprints: {}, logs: [], deepChecked: [], blocks: 0, bytes: 0 };
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return report;
    throw err;
  }
  const parsed = names.map((n) => ({ name: n, ...parseName(n) }));
  const data = parsed.filter((p) => p.kind === 'manifest' || p.kind === 'log' || p.kind === 'table');
  const vanished = (err: unknown) => {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new FilesChanged();
    throw err;
  };
  if (!names.includes('CURRENT')) {
    if (data.length > 0)
      report.problems.push({ file: 'CURRENT', message: `missing, but the directory holds ${data.length} LevelDB files (opening it would start an empty store and delete them)` });
    return report;
  }
  const current = await readFile(path.join(dir, 'CURRENT'), 'latin1').catch(vanished);
  const m = /^(MANIFEST-\d+)\n$/.exec(current);
  if (!m) {
    report.problems.push({ file: 'CURRENT', message: 'does not name a MANIFEST file' });
    return report;
  }
  report.manifest = m[1]!;
  if (!names.includes(report.manifest)) {
    // CURRENT is switched by a rename after the new MANIFEST is written: a missing one is damage, unless a live daemon just replaced both.
    const again = await readFile(path.join(dir, 'CURRENT'), 'latin1').catch(vanished);
    if (again !== current) throw new FilesChanged();
    report.problems.push({ file: 'CURRENT', message: `names ${report.manifest}, which does not exist` });
    return report;
  }
  const manifest = await readFile(path.join(dir, report.manifest)).catch(vanished);
  report.bytes += manifest.length;
  const v: Version = { logNumber: 0, prevLogNumber: 0, files: new Map() };
  const before = report.problems.length;
  for (const rec of logRecords(manifest, report.manifest, report.problems)) {
    try {
      applyEdit(rec, v);
    } catch (err) {
      if (!(err instanceof Corrupt)) throw err;
      report.problems.push({ file: report.manifest, message: `unreadable record: ${err.message}` });
    }
  }
  if (report.problems.length > before) return report; // the table list cannot be trusted

  const byNumber = new Map(parsed.filter((p) => p.kind === 'table').map((p) => [p.number!, p.name]));
  for (const [number, size] of [...v.files].sort((a, b) => a[0] - b[0])) {
    const name = byNumber.get(number);
    if (!name) {
      report.problems.push({ file: `${String(number).padStart(6, '0')}.ldb`, message: 'missing (the MANIFEST lists it)' });
      continue;
    }
    const st = await stat(path.join(dir, name)).catch(vanished);
    if (st.size !== size) {
      report.problems.push({ file: name, message: `${st.size} bytes, the MANIFEST says ${size}` });
      continue;
    }
    report.tables[name] = size;
    const fingerprint = `${st.size}:${Math.floor(st.mtimeMs)}:${st.ino}`;
    report.fingerprints[name] = fingerprint;
    await checkTable(path.join(dir, name), name, opts.deep ? opts.deep(name, fingerprint) : true, report).catch(vanished);
  }
  for (const p of parsed.filter((p) => p.kind === 'log').sort((a, b) => a.number! - b.number!)) {
    if (p.number! < v.logNumber && p.number !== v.prevLogNumber) continue; // obsolete: LevelDB will not read it
    report.logs.push(p.name);
    const buf = await readFile(path.join(dir, p.name)).catch(vanished);
    report.bytes += buf.length;
    logRecords(buf, p.name, report.problems);
  }
  return report;
}

/**
 * verifyFiles, again from the start when a live LevelDB replaced a file under it. Problems are
 * confirmed by looking again a little later: a LevelDB creating or switching its files (another
 * daemon starting at the same moment) passes through states that look damaged for milliseconds;
 * real damage stays.
 */
export async function verifyFilesSettled(dir: string, opts: VerifyOptions = {}, tries = 5): Promise<FilesReport> {
  let confirmations = 2;
  for (let i = 1; ; i++) {
    try {
      const report = await verifyFiles(dir, opts);
      if (report.problems.length === 0 || confirmations-- === 0) return report;
      await new Promise((r) => setTimeout(r, 150));
    } catch (err) {
      if (!(err instanceof FilesChanged) || i >= tries) throw err;
      await new Promise((r) => setTimeout(r, 20 * i));
    }
  }
}
