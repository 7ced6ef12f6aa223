import type { Handler } from '../context.js';

export const ps: Handler<'ps'> = async (params, { daemon }) => daemon.store.ps(params);
