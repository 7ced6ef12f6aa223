import type { Handler } from '../context.js';
import { collectStats } from '../stats/collect.js';

export const stats: Handler<'stats'> = async ({ history }, { daemon }) => collectStats(daemon, history ?? 60);
