/**
 * A TCP proxy in front of a real Redis that can drop the connections under a command in flight, as a Redis stopped
 * at that moment does (issue #17's load run: a command on the wire when Redis stops fails with ioredis's own error,
 * not the store's "down before the call" one). Armed with a match on what a client writes: the first chunk that
 * matches is not forwarded, every connection is destroyed, and the port stops listening until `restore()` (a refused
 * connect, as with Redis stopped: a connection accepted and then closed would make ioredis keep the command for its
 * next ready connection instead), so the client's first reconnect fails and ioredis rejects the command held on the
 * wire.
 */
import net from 'node:net';

export interface RedisProxy {
  url: string;
  /** the next client write for which `match` is true is held, and every connection dropped */
  cutOn(match: (chunk: string) => boolean): void;
  /** how many times a cut happened */
  cuts(): number;
  /** connections are taken again */
  restore(): void;
  close(): Promise<void>;
}

export async function startRedisProxy(redisUrl: string): Promise<RedisProxy> {
  const target = new URL(redisUrl);
  const sockets = new Set<net.Socket>();
  let armed: ((chunk: string) => boolean) | null = null;
  let cuts = 0;
  const dropAll = () => {
    for (const s of sockets) s.destroy();
    sockets.clear();
  };
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(target.port), target.hostname);
    sockets.add(client);
    sockets.add(upstream);
    client.on('data', (chunk) => {
      if (armed?.(chunk.toString('latin1'))) {
        armed = null;
        cuts++;
        server.close();
        dropAll();
        return;
      }
      upstream.write(chunk);
    });
    upstream.on('data', (chunk) => client.write(chunk));
    const end = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('close', end);
    upstream.on('close', end);
    client.on('error', end);
    upstream.on('error', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    url: `redis://127.0.0.1:${port}`,
    cutOn(match) {
      armed = match;
    },
    cuts: () => cuts,
    restore() {
      if (!server.listening) server.listen(port, '127.0.0.1');
    },
    async close() {
      dropAll();
      if (server.listening) await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
