// The worker process: `node dist/worker/main.js --name N [--tags a,b] [--extra-tags c] [--slots N] [--local]
// [--log-max-size BYTES] [--log-keep N] [--log-level LEVEL] [--task-umask OCTAL]`. It logs to logs/worker-N.log (rotated);
// its stdout and stderr (worker-N.out) keep only what a crash prints.
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_CONFIG } from '../core/config/model.js';
import { LOG_LEVELS, type LogLevel } from '../core/logline.js';
import { resolvePaths } from '../core/paths.js';
import { createFileLogger } from '../log.js';
import { detectTags } from '../os/tags.js';
import { Worker } from './worker.js';

// Before anything is created: logs and result dirs are the user's alone. Tasks get --task-umask
// (the daemon's umask before it set its own), or the one we were started with.
const startedUmask = process.umask(0o077);

const { values } = parseArgs({
  options: {
    name: { type: 'string', default: 'local' },
    tags: { type: 'string' },
    'extra-tags': { type: 'string' },
    slots: { type: 'string' },
    local: { type: 'boolean', default: false },
    'log-max-size': { type: 'string' },
    'log-keep': { type: 'string' },
    'log-level': { type: 'string' },
    'task-umask': { type: 'string' },
  },
});

const split = (s: string | undefined) =>
  s
    ? s
        .split(',')
        .map((x) => x.trim())
        .filter(Boolean)
    : [];
const tags = [...new Set([...(values.tags !== undefined ? split(values.tags) : detectTags()), ...split(values['extra-tags'])])].sort();
const slots = values.slots !== undefined ? Number(values.slots) : os.availableParallelism();
const paths = resolvePaths(process.env, process.platform, os.homedir());
const positive = (s: string | undefined, dflt: number) => (s !== undefined && Number(s) > 0 ? Number(s) : dflt);
const level = (LOG_LEVELS as readonly string[]).includes(values['log-level'] ?? '') ? (values['log-level'] as LogLevel) : DEFAULT_CONFIG.log.level;
const log = createFileLogger({
  file: path.join(paths.logs, `worker-${values.name}.log`),
  maxBytes: positive(values['log-max-size'], DEFAULT_CONFIG.log.maxBytes),
  keep: positive(values['log-keep'], DEFAULT_CONFIG.log.keep),
  level,
  bindings: { worker: values.name },
});

const taskUmask = /^[0-7]{1,4}$/.test(values['task-umask'] ?? '') ? parseInt(values['task-umask']!, 8) : startedUmask;
const worker = new Worker({ name: values.name!, tags, slots, local: values.local!, paths, log, taskUmask });
process.on('SIGTERM', () => worker.shutdown());
process.on('SIGINT', () => worker.shutdown());
// A lost pipe to a log, or a full disk under it, must not take running tasks down with it.
process.on('SIGPIPE', () => {});
process.stderr.on('error', () => {});
log.info('starting', { tags, slots });
await worker.start();
await worker.exited;
log.info('exiting');
await log.close();
process.exit(0);
