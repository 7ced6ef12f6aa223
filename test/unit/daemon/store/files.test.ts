// The pieces of the store's file check: CRC-32C, LevelDB's log framing, snappy.
import t from 'tap';
import { crc32c, mask } from '../../../../src/daemon/store/files/crc32c.js';
import { encodeLog, logRecords, type FileProblem } from '../../../../src/daemon/store/files/leveldb.js';
import { SnappyError, uncompress } from '../../../../src/daemon/store/files/snappy.js';

t.test('CRC-32C: the standard check values, incremental, masked', async (t) => {
  t.equal(crc32c(Buffer.from('123456789')), 0xe3069283);
  t.equal(crc32c(Buffer.alloc(32)), 0x8a9136aa, "LevelDB's test: 32 zero bytes");
  t.equal(crc32c(Buffer.alloc(32, 0xff)), 0x62a8ab43, "LevelDB's test: 32 bytes of 0xff");
  const data = Buffer.from('hello, world: a longer buffer than eight bytes');
  t.equal(crc32c(data, crc32c(data, 0, 0, 13), 13), crc32c(data), 'continuing a CRC gives the CRC of the whole');
  t.not(mask(crc32c(data)), crc32c(data));
});

t.test('log framing: what encodeLog writes, logRecords reads back', async (t) => {
  const records = [Buffer.from('a'), Buffer.alloc(0), Buffer.alloc(40_000, 7), Buffer.alloc(32_761, 1), Buffer.from('last')];
  const log = encodeLog(records);
  const problems: FileProblem[] = [];
  t.same(logRecords(log, 'x.log', problems), records, 'records, including ones spanning blocks');
  t.same(problems, []);

  const cut = logRecords(log.subarray(0, log.length - 2), 'x.log', problems);
  t.same(cut, records.slice(0, -1), 'a record cut short at the end is a writer that died: dropped, not damage');
  t.same(problems, []);

  // As LevelDB reads it: a bad checksum drops the rest of its block, and with it the start of the
  // record that spans into the next block, whose remaining fragments are then dropped too.
  const flipped = Buffer.from(log);
  flipped[10]! ^= 1; // in the header of the second (empty) record
  t.same(logRecords(flipped, 'x.log', problems), [records[0], records[3], records[4]], 'the damaged record and the one cut off with its block are dropped');
  t.match(problems, [
    { file: 'x.log', offset: 8, message: 'checksum mismatch in a log record' },
    { file: 'x.log', offset: 32768, message: 'missing start of a fragmented record' },
  ]);

  const last = encodeLog([Buffer.from('one'), Buffer.from('two')]);
  last[3 + 7 + 4] = 0x40; // the second record's length: now it seems to run past the end
  const p2: FileProblem[] = [];
  logRecords(last, 'y.log', p2);
  t.match(p2, [{ message: 'bad record length' }], 'a damaged length on the last record is not taken for a cut-short record');
});

t.test('snappy: literals and copies; bad input is an error, not garbage', async (t) => {
  t.equal(uncompress(Buffer.from([12, 0x08, 0x61, 0x62, 0x63, 0x15, 0x03])).toString(), 'abcabcabcabc');
  for (const [bytes, what] of [
    [[12, 0x08, 0x61, 0x62, 0x63, 0x15, 0x09], 'a copy from before the start'],
    [[5, 0x08, 0x61], 'a literal past the end'],
  ] as const) {
    try {
      uncompress(Buffer.from(bytes));
      t.fail(`${what}: no error`);
    } catch (err) {
      t.type(err, SnappyError, what);
    }
  }
});
