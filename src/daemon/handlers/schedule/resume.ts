import type { Handler } from '../../context.js';

/** Fires that fell while it was paused are not caught up. */
export const scheduleResume: Handler<'schedule.resume'> = (params, { daemon }) => daemon.scheduler.setPaused(params.name, false);
