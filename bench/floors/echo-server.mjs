// Floor: the smallest JSON-RPC server over a Unix socket. Answers every line
// at once; a `tasks` array gets as many 8-character ids back, like run.batch.
//   node echo-server.mjs SOCKET      prints "ready" when listening
import net from 'node:net';
import { unlinkSync } from 'node:fs';

const socket = process.argv[2];
try {
  unlinkSync(socket);
} catch {
  // not there
}
const server = net.createServer((conn) => {
  let buf = '';
  conn.on('data', (d) => {
    buf += d;
    let nl;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      let msg;
      try {
        msg = JSON.parse(line);
      } catch {
        continue;
      }
      const tasks = msg.params?.tasks;
      const result = Array.isArray(tasks) ? { ids: tasks.map((_, i) => String(i).padStart(8, '0')) } : { ok: true };
      conn.write(JSON.stringify({ jsonrpc: '2.0', id: msg.id, result }) + '\n');
    }
  });
  conn.on('error', () => {});
});
server.listen(socket, () => process.stdout.write('ready\n'));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
