/**
 * The whole app for end-to-end tests: a fresh migrated database (SQLite or PostgreSQL) with the demo data, the
 * shared store (Redis when asked), every channel against its local platform API server (the local mode's
 * composition, src/local/start-local.ts), and a frozen clock.
 */

import { type RunningApp, startServices } from '../../src/app/start.js';
import { platformNames } from '../../src/channels/index.js';
import type { Log } from '../../src/core/log.js';
import type { Provider } from '../../src/db/client.js';
import { LocalDingtalkServer } from '../../src/local/dingtalk/local-server.js';
import { type LocalStartOptions, startLocalServices } from '../../src/local/start-local.js';
import { LocalWecomServer } from '../../src/local/wecom/local-server.js';
import { shanghaiDate } from '../../src/rules/index.js';
import { openRuntime, type Runtime } from '../../src/runtime.js';
import { loadDemo } from '../../src/services/demo/load.js';
import { freshDatabaseUrl } from './db.js';
import { dingtalkEnv, madeUpDingtalk, madeUpWecom, wecomEnv } from './made-up.js';

export interface TestApp {
  app: RunningApp;
  rt: Runtime;
  stop(): Promise<void>;
}

export interface TestAppOptions extends Omit<LocalStartOptions, 'port'> {
  provider?: Provider;
  redis?: boolean;
  /** the demo's "today" (plays 2017-03-20 of seed 000); default: the frozen clock's date */
  today?: string;
  /** reuse a database another app already uses (two instances) */
  databaseUrl?: string;
  demo?: boolean;
  env?: Record<string, string>;
  /** the app's logger instead of the runtime's (the privacy test captures every line) */
  log?: Log;
  /**
   * 'production': the production composition (src/app/start.ts) with NODE_ENV=production and both platforms
   * configured with made-up credentials (never the demo ones), their APIs at local servers this helper starts; the
   * servers are attached to the channels as `localServer` so the drivers can read what each platform received.
   * The organisation's group chats are not created on those servers (the local mode's registerLocalGroups is not
   * run), so pass `schedules: false` unless a test sets the groups up itself. Default 'local': the local mode.
   */
  mode?: 'local' | 'production';
  /** the HTTP port (default: a free one); the browser test restarts the server on the same port */
  port?: number;
}

/** The local platform servers a production-mode test app talks to, configured as a real installation would be. */
async function productionPlatforms(now: () => Date) {
  const wecomCreds = madeUpWecom();
  const dingtalkCreds = madeUpDingtalk();
  const wecom = await LocalWecomServer.start({ creds: wecomCreds });
  const dingtalk = await LocalDingtalkServer.start({ creds: dingtalkCreds, callbackNow: () => now().getTime() });
  return {
    env: {
      NODE_ENV: 'production',
      ID_HASH_KEY: 'production-test-hash-key-0123456789',
      ...wecomEnv(wecomCreds, wecom.url),
      ...dingtalkEnv(dingtalkCreds, dingtalk.url),
    },
    servers: { wecom, dingtalk } as const,
    async close() {
      await Promise.all([wecom.close(), dingtalk.close()]);
    },
  };
}

/** 2026-03-02 10:00 in Shanghai: a working morning, not on an hh:00/hh:30 boundary */
export const FROZEN_NOW = new Date('2026-03-02T02:17:00Z');

let apps = 0;

export async function startTestApp(o: TestAppOptions = {}): Promise<TestApp> {
  const db = o.databaseUrl
    ? { url: o.databaseUrl, drop: async () => {} }
    : await freshDatabaseUrl(o.provider ?? 'sqlite');
  const now = o.now ?? (() => FROZEN_NOW);
  const platforms = o.mode === 'production' ? await productionPlatforms(now) : undefined;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: db.url,
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    DEMO: 'off',
    REDIS_URL: o.redis ? process.env.TEST_REDIS_URL : undefined,
    PORT: '0',
    REDIS_PREFIX: `t${process.pid}-${Date.now().toString(36)}-${apps++}`,
    ...platforms?.env,
    ...o.env,
  };
  const rt = await openRuntime(env);
  if (o.log) rt.log = o.log;
  if (o.demo !== false && !o.databaseUrl)
    await loadDemo({
      db: rt.db,
      hashKey: rt.config.ID_HASH_KEY,
      scale: 1000,
      today: o.today ?? shanghaiDate(now()),
      platforms: platformNames,
    });
  let app: RunningApp;
  if (platforms) {
    app = await startServices(rt, { ...o, port: o.port ?? 0, now });
    for (const [platform, server] of Object.entries(platforms.servers))
      Object.assign(app.channels.get(platform) ?? {}, { localServer: server });
  } else app = await startLocalServices(rt, { ...o, port: o.port ?? 0, now });
  return {
    app,
    rt,
    async stop() {
      await app.stop();
      await platforms?.close();
      await rt.close();
      await db.drop();
    },
  };
}
