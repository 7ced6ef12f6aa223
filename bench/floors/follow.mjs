// Floor for log follow: print a file's bytes as they are written, on file
// events (what `tail -f` does).   node follow.mjs FILE
import { closeSync, openSync, readSync, watch } from 'node:fs';

const file = process.argv[2];
let pos = 0;
const fd = openSync(file, 'r');
const buf = Buffer.alloc(64 * 1024);
const drain = () => {
  for (;;) {
    const n = readSync(fd, buf, 0, buf.length, pos);
    if (n <= 0) return;
    pos += n;
    process.stdout.write(Buffer.from(buf.subarray(0, n)));
  }
};
watch(file, drain);
drain();
process.on('SIGTERM', () => {
  closeSync(fd);
  process.exit(0);
});
