// The optional Prometheus listener: node:http on a loopback address only,
// GET /metrics answers the text format; everything else is 404/405.
import { createRequire } from 'node:module';
import type http from 'node:http';
import { PROMETHEUS_CONTENT_TYPE } from '../../core/metrics.js';
import type { Logger } from '../log.js';

/** node:http only when a listener is configured: the daemon without one does not load it. */
const requireBuiltin = createRequire(import.meta.url);

export interface MetricsListener {
  /** host:port actually bound (the port is chosen when 0 was asked). */
  address: string;
  close(): Promise<void>;
}

export function startMetricsListener(listen: string, scrape: () => Promise<string>, log: Logger): Promise<MetricsListener> {
  const m = /^(?:\[(.+)\]|([^:]+)):(\d+)$/.exec(listen);
  if (!m) return Promise.reject(new Error(`not a host:port: ${listen}`));
  const host = m[1] ?? m[2]!;
  const server = (requireBuiltin('node:http') as typeof http).createServer((req, res) => {
    const url = (req.url ?? '').split('?')[0];
    if (url !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: the metrics are at /metrics\n');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain' }).end('method not allowed\n');
      return;
    }
    scrape().then(
      (text) => res.writeHead(200, { 'content-type': PROMETHEUS_CONTENT_TYPE, 'cache-control': 'no-store' }).end(req.method === 'HEAD' ? undefined : text),
      (err: unknown) => {
        log.error('metrics scrape failed', { err: String((err as Error)?.stack ?? err) });
        res.writeHead(500, { 'content-type': 'text/plain' }).end('scrape failed; see the daemon log\n');
      },
    );
  });
  server.keepAliveTimeout = 5_000;
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port: Number(m[3]), exclusive: true }, () => {
      server.off('error', reject);
      server.on('error', (err) => log.error('metrics listener error', { err: err.message }));
      server.unref(); // the daemon's socket keeps it alive, not this
      const a = server.address() as { address: string; port: number };
      resolve({
        address: `${a.address.includes(':') ? `[${a.address}]` : a.address}:${a.port}`,
        close: () =>
          new Promise<void>((r) => {
            server.close(() => r());
            server.closeAllConnections();
          }),
      });
    });
  });
}
