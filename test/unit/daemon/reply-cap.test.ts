// The daemon never sends a reply a client would not read: over the cap it answers that call with REPLY_TOO_LARGE.
import t from 'tap';
import { encodeReply } from '../../../src/daemon/server.js';
import { MAX_REPLY_BYTES } from '../../../src/protocol/framing.js';

t.test('a reply over the cap becomes a REPLY_TOO_LARGE error for the same id', async (t) => {
  const big = JSON.parse(encodeReply({ jsonrpc: '2.0', id: 7, result: { text: 'x'.repeat(MAX_REPLY_BYTES) } }));
  t.equal(big.id, 7);
  t.equal(big.error.data.code, 'REPLY_TOO_LARGE');
  t.match(big.error.data.hint, /page/);
  t.equal(encodeReply({ jsonrpc: '2.0', id: 8, result: { ok: true } }), '{"jsonrpc":"2.0","id":8,"result":{"ok":true}}', 'others as they are');
});
