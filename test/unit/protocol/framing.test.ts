import t from 'tap';
import { DEFAULT_MAX_MESSAGE, encode, LineDecoder, type FrameEvent } from '../../../src/protocol/framing.js';

const feed = (d: LineDecoder, chunks: Array<string | Buffer>): FrameEvent[] => chunks.flatMap((c) => d.push(typeof c === 'string' ? Buffer.from(c) : c));

const cases: Array<{ name: string; max?: number; chunks: Array<string | Buffer>; want: FrameEvent[]; pending?: number }> = [
  { name: 'one line in one chunk', chunks: ['{"a":1}\n'], want: [{ line: '{"a":1}' }] },
  { name: 'several lines in one chunk', chunks: ['a\nb\nc\n'], want: [{ line: 'a' }, { line: 'b' }, { line: 'c' }] },
  { name: 'a line split across chunks', chunks: ['{"a"', ':', '1}', '\n'], want: [{ line: '{"a":1}' }] },
  { name: 'chunk boundary right after the newline', chunks: ['a\n', 'b\n'], want: [{ line: 'a' }, { line: 'b' }] },
  { name: 'a chunk ending one line and starting the next', chunks: ['ab', 'c\nde', 'f\n'], want: [{ line: 'abc' }, { line: 'def' }] },
  { name: 'an unfinished line is held, not emitted', chunks: ['a\nbc'], want: [{ line: 'a' }], pending: 2 },
  { name: 'blank and whitespace-only lines are skipped', chunks: ['\n\n  \na\n\r\n'], want: [{ line: 'a' }] },
  {
    name: 'a multi-byte character split across chunks',
    chunks: [Buffer.from('é☃').subarray(0, 3), Buffer.concat([Buffer.from('é☃').subarray(3), Buffer.from('\n')])],
    want: [{ line: 'é☃' }],
  },
  { name: 'a line of exactly the cap is accepted', max: 4, chunks: ['abcd\n'], want: [{ line: 'abcd' }] },
  { name: 'a line of the cap split in pieces is accepted', max: 4, chunks: ['ab', 'cd', '\n'], want: [{ line: 'abcd' }] },
  { name: 'one byte over the cap is refused', max: 4, chunks: ['abcde\n'], want: [{ tooLarge: 5 }] },
  { name: 'oversize reported once, the following line still decoded', max: 4, chunks: ['abcdefghij\nok\n'], want: [{ tooLarge: 10 }, { line: 'ok' }] },
  {
    name: 'oversize across many chunks reported once',
    max: 4,
    chunks: ['abc', 'def', 'ghi', 'jkl', '\nok\n'],
    want: [{ tooLarge: 6 }, { line: 'ok' }],
  },
  { name: 'two oversize lines are two reports', max: 2, chunks: ['abc\ndef\nx\n'], want: [{ tooLarge: 3 }, { tooLarge: 3 }, { line: 'x' }] },
  { name: 'the line after an oversize one may start in the same chunk as its end', max: 3, chunks: ['abcd', 'ef\nxy', 'z\n'], want: [{ tooLarge: 4 }, { line: 'xyz' }] },
];

t.test('framing table', async (t) => {
  for (const c of cases) {
    const d = new LineDecoder(c.max);
    t.same(feed(d, c.chunks), c.want, c.name);
    t.equal(d.pending, c.pending ?? 0, `${c.name}: pending bytes`);
  }
});

t.test('every byte-split of a stream decodes the same', async (t) => {
  const text = '{"id":1,"v":"é"}\n\n{"id":2}\nlast\n';
  const bytes = Buffer.from(text);
  for (let i = 0; i <= bytes.length; i++) {
    for (const j of [i, Math.min(bytes.length, i + 3)]) {
      const d = new LineDecoder();
      const got = feed(d, [bytes.subarray(0, i), bytes.subarray(i, j), bytes.subarray(j)]);
      t.same(got, [{ line: '{"id":1,"v":"é"}' }, { line: '{"id":2}' }, { line: 'last' }], `split at ${i}/${j}`);
    }
  }
});

t.test('never buffers more than the cap', async (t) => {
  const max = 1000;
  const d = new LineDecoder(max);
  let peak = 0;
  let reports = 0;
  const chunk = Buffer.alloc(97, 0x61);
  for (let i = 0; i < 200; i++) {
    reports += d.push(chunk).filter((e) => 'tooLarge' in e).length;
    peak = Math.max(peak, d.pending);
  }
  t.ok(peak <= max, `peak ${peak} ≤ ${max}`);
  t.equal(d.pending, 0, 'nothing held while discarding');
  t.equal(reports, 1);
  t.same(d.push(Buffer.from('\n{"after":true}\n')), [{ line: '{"after":true}' }]);
});

t.test('the default cap is 1 MiB', async (t) => {
  t.equal(DEFAULT_MAX_MESSAGE, 1024 * 1024);
  const d = new LineDecoder();
  t.same(d.push(Buffer.alloc(DEFAULT_MAX_MESSAGE, 0x61)), []);
  t.equal(d.pending, DEFAULT_MAX_MESSAGE);
  t.same(d.push(Buffer.from('b')), [{ tooLarge: DEFAULT_MAX_MESSAGE + 1 }]);
  t.equal(d.pending, 0);
});

t.test('encode writes one line that decodes back', async (t) => {
  const msg = { jsonrpc: '2.0', id: 1, params: { s: 'line1\nline2\u2028', u: '☃' } };
  const wire = encode(msg);
  t.equal(wire.indexOf('\n'), wire.length - 1, 'exactly one newline, at the end');
  const [ev] = new LineDecoder().push(Buffer.from(wire));
  t.same(JSON.parse((ev as { line: string }).line), msg);
});
