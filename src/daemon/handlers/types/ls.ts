import type { Handler } from '../../context.js';

export const typesLs: Handler<'types.ls'> = async (_params, { daemon }) => ({ types: daemon.types.all(), errors: daemon.types.errors() });
