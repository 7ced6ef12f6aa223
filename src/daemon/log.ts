// The daemon's logger: JSON lines in logs/daemon.log, rotated by size (see src/log.ts).
export { createFileLogger, createLogger, type Fields, type Level, type Logger } from '../log.js';
