// A TCP proxy on loopback, to cut a daemon off from its PostgreSQL without root: `cut()` resets
// every open connection and every new one until `restore()`.
import net from 'node:net';
import type { Test } from 'tap';

export interface TcpProxy {
  port: number;
  /** Reset every connection through the proxy, and each new one, until restore(). */
  cut(): void;
  restore(): void;
}

export async function tcpProxy(t: Test, target: { host?: string; port: number }): Promise<TcpProxy> {
  const open = new Set<net.Socket>();
  let cut = false;
  const reset = (s: net.Socket) => (typeof s.resetAndDestroy === 'function' ? s.resetAndDestroy() : s.destroy());
  const server = net.createServer((client) => {
    client.on('error', () => {});
    if (cut) return reset(client);
    const upstream = net.connect(target.port, target.host ?? '127.0.0.1');
    upstream.on('error', () => client.destroy());
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
    client.pipe(upstream);
    upstream.pipe(client);
    open.add(client).add(upstream);
    client.on('close', () => open.delete(client));
    upstream.on('close', () => open.delete(upstream));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(
    () =>
      new Promise<void>((resolve) => {
        for (const s of open) s.destroy();
        server.close(() => resolve());
      }),
  );
  return {
    port: (server.address() as net.AddressInfo).port,
    cut() {
      cut = true;
      for (const s of open) reset(s);
    },
    restore() {
      cut = false;
    },
  };
}
