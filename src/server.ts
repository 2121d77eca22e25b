/**
 * The Koa app: health, and each channel's callback routes. Business logic lives in src/bot; a channel only
 * contributes routes.
 */
import http from 'node:http';
import Router from '@koa/router';
import Koa from 'koa';
import type { Log } from './core/log.js';
import type { Db } from './db/client.js';
import type { KeyValueStore } from './state/store.js';

export interface AppDeps {
  db: Db;
  store: KeyValueStore;
  log: Log;
  routers: Router[];
}

export function createApp(deps: AppDeps): Koa {
  const app = new Koa();
  app.proxy = true;
  // what reaches Koa's own error event is a request that broke below our handlers (a client gone, Node's request
  // timeout): one log line, not Koa's stack dump on stderr
  app.on('error', (err: Error, ctx?: Koa.Context) =>
    deps.log.warn({ reason: err.message, path: ctx?.path }, 'request aborted'),
  );
  app.use(async (ctx, next) => {
    const started = performance.now();
    try {
      await next();
    } catch (e) {
      deps.log.error({ err: e, path: ctx.path }, 'request failed');
      ctx.status = 500;
      ctx.body = 'internal error';
    } finally {
      deps.log.debug(
        { method: ctx.method, path: ctx.path, status: ctx.status, ms: Math.round(performance.now() - started) },
        'request',
      );
    }
  });
  const health = new Router();
  health.get('/healthz', async (ctx) => {
    const checks: Record<string, string> = {};
    try {
      await deps.db.$queryRawUnsafe('SELECT 1');
      checks.db = 'ok';
    } catch (e) {
      checks.db = `down: ${(e as Error).message.slice(0, 80)}`;
    }
    try {
      await deps.store.set('healthz', '1', 5_000);
      checks.store = 'ok';
    } catch (e) {
      checks.store = `down: ${(e as Error).message.slice(0, 80)}`;
    }
    const ok = Object.values(checks).every((v) => v === 'ok');
    ctx.status = ok ? 200 : 503;
    ctx.body = { ok, ...checks };
  });
  app.use(health.routes()).use(health.allowedMethods());
  for (const r of deps.routers) app.use(r.routes()).use(r.allowedMethods());
  return app;
}

/**
 * A platform posts a callback of a few KB in one go. A client that trickles its headers, or sends a body shorter
 * than its Content-Length and waits, would otherwise hold a socket (and raw-body's read, which has no timeout of
 * its own) for Node's default of 5 minutes: the whole request must arrive within `requestTimeoutMs` (config
 * HTTP_REQUEST_TIMEOUT_MS), the headers within 10 s of it, or Node answers 408 and closes the socket.
 */
export const HEADERS_TIMEOUT_MS = 10_000;

export function listen(app: Koa, port: number, host: string, requestTimeoutMs: number): Promise<http.Server> {
  const server = http.createServer(
    {
      requestTimeout: requestTimeoutMs,
      headersTimeout: Math.min(HEADERS_TIMEOUT_MS, requestTimeoutMs),
      // how often Node looks for requests past those limits (its default, 30 s, would let one overstay by as much)
      connectionsCheckingInterval: Math.max(50, Math.min(1_000, Math.floor(requestTimeoutMs / 4))),
    },
    app.callback(),
  );
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}
