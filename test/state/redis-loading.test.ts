/**
 * A restarted Redis answers LOADING while it reads its append-only file back, and the client holds every command
 * in its offline queue until a check says the data is loaded. ioredis checks again after the ETA Redis gives, at
 * least a second: at 200 messages/s that second backed up ~1 200 replies by up to 0.8 s (issue #17's load bench,
 * one Redis restart in two). The store checks again after REDIS_LOADING_RETRY_MS instead.
 *
 * Played against a Redis of our own on a socket (RESP): its first INFO on each connection says loading:1 with no
 * ETA, the next loading:0. The ready check's timer is faked (the socket is real), so the test advances the clock by
 * the store's retry and no more, and never waits on the wall clock.
 */
import net from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createRedisStore, REDIS_LOADING_RETRY_MS } from '../../src/state/redis.js';

/** commands of a RESP byte stream (arrays of bulk strings), and what is left of it unread */
function parseCommands(buf: string): { commands: string[][]; rest: string } {
  const commands: string[][] = [];
  let at = 0;
  for (;;) {
    const start = at;
    if (buf[at] !== '*') break;
    const eol = buf.indexOf('\r\n', at);
    if (eol < 0) break;
    const n = Number(buf.slice(at + 1, eol));
    at = eol + 2;
    const args: string[] = [];
    for (let i = 0; i < n; i++) {
      const lenEnd = buf.indexOf('\r\n', at);
      if (lenEnd < 0 || buf[at] !== '$') break;
      const len = Number(buf.slice(at + 1, lenEnd));
      if (buf.length < lenEnd + 2 + len + 2) break;
      args.push(buf.slice(lenEnd + 2, lenEnd + 2 + len));
      at = lenEnd + 2 + len + 2;
    }
    if (args.length < n) {
      at = start;
      break;
    }
    commands.push(args);
  }
  return { commands, rest: buf.slice(at) };
}

const bulk = (s: string) => `$${Buffer.byteLength(s)}\r\n${s}\r\n`;

/** a Redis that is loading until each connection has asked INFO once */
async function loadingRedis() {
  const seen: string[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    let buf = '';
    let infos = 0;
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      const { commands, rest } = parseCommands(buf + chunk);
      buf = rest;
      for (const [name = '', key] of commands) {
        const cmd = name.toUpperCase();
        seen.push(cmd);
        if (cmd === 'INFO') socket.write(bulk(`# Persistence\r\nloading:${infos++ === 0 ? 1 : 0}\r\n`));
        else if (cmd === 'GET') socket.write(key?.endsWith('greeting') ? bulk('你好') : '$-1\r\n');
        else socket.write('+OK\r\n');
      }
    });
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  const close = () =>
    new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    });
  return { url: `redis://127.0.0.1:${port}`, seen, close };
}

/** turns of the event loop (real I/O, no timer) until `cond` holds; false when it never did */
async function ioUntil(cond: () => boolean, turns = 2_000): Promise<boolean> {
  for (let i = 0; i < turns && !cond(); i++) await new Promise<void>((r) => setImmediate(r));
  return cond();
}

let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  vi.useRealTimers();
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});

describe('a Redis still loading its data after a restart', () => {
  it('is asked again after the store’s short retry, and the command queued meanwhile goes through then', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'setInterval'] });
    const redis = await loadingRedis();
    cleanup.push(redis.close);
    const store = createRedisStore(redis.url, { prefix: 't:' });
    cleanup.push(() => store.close());
    // the ready check met LOADING: the command waits in the client's queue
    expect(await ioUntil(() => redis.seen.includes('INFO'))).toBe(true);
    let got: string | null | undefined;
    const reading = store.get('greeting').then((v) => {
      got = v;
    });
    expect(await ioUntil(() => got !== undefined, 200)).toBe(false);
    expect(redis.seen.filter((c) => c === 'GET')).toEqual([]);
    // the store's retry, and not the second ioredis would wait: the data is loaded, the command is answered
    vi.advanceTimersByTime(REDIS_LOADING_RETRY_MS);
    expect(await ioUntil(() => got !== undefined)).toBe(true);
    await reading;
    expect(got).toBe('你好');
  });
});
