import { BlanketError } from '../../protocol/errors.js';
import { PROTOCOL_VERSION } from '../../protocol/methods.js';
import type { Handler } from '../context.js';

/** The server checks the first hello before any dispatch; a later hello is held to the same version. */
export const hello: Handler<'hello'> = async (params, { daemon, conn }) => {
  if (params.protocol !== PROTOCOL_VERSION) {
    throw new BlanketError('PROTOCOL_VERSION', `protocol version ${params.protocol} is not supported; this daemon speaks ${PROTOCOL_VERSION}`);
  }
  conn.client = params.client;
  return { protocol: PROTOCOL_VERSION, version: daemon.version, pid: process.pid, maxMessageBytes: daemon.config.maxMessageBytes };
};
