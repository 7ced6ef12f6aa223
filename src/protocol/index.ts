export * from './archive.js';
export * from './errors.js';
export * from './framing.js';
export * from './hosts.js';
export * from './methods.js';
export * from './model.js';
export * from './schema.js';
