import type { Handler } from '../../context.js';

export const scheduleLs: Handler<'schedule.ls'> = (_params, { daemon }) => daemon.scheduler.list();
