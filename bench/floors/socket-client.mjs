// Floor: a plain Node script that sends one JSON-RPC line over a Unix socket
// and waits for the reply line.   node socket-client.mjs SOCKET
import net from 'node:net';

const s = net.connect(process.argv[2]);
s.on('connect', () => s.write(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ps', params: { limit: 20 } }) + '\n'));
let buf = '';
s.on('data', (d) => {
  buf += d;
  if (buf.includes('\n')) {
    JSON.parse(buf.slice(0, buf.indexOf('\n')));
    s.end();
  }
});
