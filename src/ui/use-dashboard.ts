// The hook that owns the data: one feed per mounted dashboard, started on
// mount and stopped (unsubscribed, connection closed) on unmount.
import { useEffect, useState, useSyncExternalStore } from 'react';
import { DashboardFeed, type FeedOptions } from './feed.js';
import type { DashboardState } from './state.js';

export function useDashboard(opts: FeedOptions): { state: DashboardState; feed: DashboardFeed } {
  // Created once: options are read at mount (a new connector later would not reconnect).
  const [feed] = useState(() => new DashboardFeed(opts));
  useEffect(() => {
    feed.start();
    return () => {
      void feed.stop();
    };
  }, [feed]);
  const state = useSyncExternalStore(feed.subscribe, feed.getSnapshot);
  return { state, feed };
}
