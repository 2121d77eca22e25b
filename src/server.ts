/**
 * The Koa app: health, and each channel's callback routes. Business logic lives in src/bot; a channel only
 * contributes routes.
 */
import Router from '@koa/router';
import Koa from 'koa';
import type { Db } from './db/client.js';
import type { Log } from './log.js';
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
