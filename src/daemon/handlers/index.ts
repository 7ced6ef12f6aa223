// The handler registry: one entry per method in src/protocol/methods.ts.
// A method without a handler (or a handler of the wrong shape) does not compile.
import type { HandlerRegistry } from '../context.js';
import { daemonStatus } from './daemon/status.js';
import { daemonStop } from './daemon/stop.js';
import { eventsSubscribe } from './events/subscribe.js';
import { eventsUnsubscribe } from './events/unsubscribe.js';
import { hello } from './hello.js';
import { ps } from './ps.js';
import { rm } from './rm.js';
import { run } from './run.js';
import { runBatch } from './run.batch.js';
import { show } from './show.js';
import { typesLs } from './types/ls.js';
import { typesShow } from './types/show.js';
import { typesValidate } from './types/validate.js';

export const handlers: HandlerRegistry = {
  hello,
  run,
  'run.batch': runBatch,
  ps,
  show,
  rm,
  'types.ls': typesLs,
  'types.show': typesShow,
  'types.validate': typesValidate,
  'daemon.status': daemonStatus,
  'daemon.stop': daemonStop,
  'events.subscribe': eventsSubscribe,
  'events.unsubscribe': eventsUnsubscribe,
};
