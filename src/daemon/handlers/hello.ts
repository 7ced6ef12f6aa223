import { PROTOCOL_VERSION } from '../../protocol/methods.js';
import type { Handler } from '../context.js';

/** The version check itself happens in the server before any dispatch; this answers it. */
export const hello: Handler<'hello'> = async (params, { daemon, conn }) => {
  conn.client = params.client;
  return { protocol: PROTOCOL_VERSION, version: daemon.version, pid: process.pid };
};
