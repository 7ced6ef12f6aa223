// The worker process: `node dist/worker/main.js --name N [--tags a,b] [--extra-tags c] [--slots N] [--local]`.
import os from 'node:os';
import { parseArgs } from 'node:util';
import { resolvePaths } from '../core/paths.js';
import { detectTags } from './tags.js';
import { Worker } from './worker.js';

const { values } = parseArgs({
  options: {
    name: { type: 'string', default: 'local' },
    tags: { type: 'string' },
    'extra-tags': { type: 'string' },
    slots: { type: 'string' },
    local: { type: 'boolean', default: false },
  },
});

const split = (s: string | undefined) => (s ? s.split(',').map((x) => x.trim()).filter(Boolean) : []);
const tags = [...new Set([...(values.tags !== undefined ? split(values.tags) : detectTags()), ...split(values['extra-tags'])])].sort();
const slots = values.slots !== undefined ? Number(values.slots) : os.availableParallelism();
const log = (msg: string, fields: Record<string, unknown> = {}) =>
  process.stderr.write(JSON.stringify({ time: new Date().toISOString(), level: 'info', pid: process.pid, worker: values.name, msg, ...fields }) + '\n');

const worker = new Worker({ name: values.name!, tags, slots, local: values.local!, paths: resolvePaths(process.env, process.platform, os.homedir()), log });
process.on('SIGTERM', () => worker.shutdown());
process.on('SIGINT', () => worker.shutdown());
// A lost pipe to a log, or a full disk under it, must not take running tasks down with it.
process.on('SIGPIPE', () => {});
process.stderr.on('error', () => {});
await worker.start();
await worker.exited;
log('exiting');
process.exit(0);
