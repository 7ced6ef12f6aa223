// Floor for bulk submit: read JSON lines, send them as run.batch-shaped
// requests of 2000 over a Unix socket, wait for each reply, print the ids.
//   node batch-client.mjs SOCKET FILE
import { createReadStream } from 'node:fs';
import net from 'node:net';
import { createInterface } from 'node:readline';

const CHUNK = 2000;
const s = net.connect(process.argv[2]);
await new Promise((r) => s.once('connect', r));
let buf = '';
let waiting;
s.on('data', (d) => {
  buf += d;
  const nl = buf.indexOf('\n');
  if (nl >= 0) {
    const line = buf.slice(0, nl);
    buf = buf.slice(nl + 1);
    waiting(JSON.parse(line));
  }
});
let id = 0;
const send = (tasks) =>
  new Promise((resolve) => {
    waiting = resolve;
    s.write(JSON.stringify({ jsonrpc: '2.0', id: ++id, method: 'run.batch', params: { tasks } }) + '\n');
  });
const out = [];
let chunk = [];
for await (const line of createInterface({ input: createReadStream(process.argv[3]), crlfDelay: Infinity })) {
  if (!line.trim()) continue;
  chunk.push(JSON.parse(line));
  if (chunk.length >= CHUNK) {
    out.push(...(await send(chunk)).result.ids);
    chunk = [];
  }
}
if (chunk.length) out.push(...(await send(chunk)).result.ids);
s.end();
process.stdout.write(out.join('\n') + '\n');
