// The wire protocol's version, on its own so a client can say hello without building the
// method table's schemas (methods.ts), which only the daemon checks against.
export const PROTOCOL_VERSION = 1;
