// The whole public surface of src/ui: what `blanket top` imports, lazily.
export { runTop, type RunTopOptions } from './run.js';
export { asTopClient } from './client-adapter.js';
export { colourWanted } from './theme.js';
export type { Clock, Connector, TopClient, TopEvent, TopMethods, TopStatus, WorkerInfo } from './data.js';
