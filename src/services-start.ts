/**
 * The composition root: shared store, outbox, bot, channels and the HTTP server, wired once. `npm start`, the tests
 * and the benchmarks all start the app through here, so they exercise the same wiring.
 */
import type http from 'node:http';
import type Koa from 'koa';
import { createBackground } from './background.js';
import { createBot } from './bot/bot.js';
import type { InboundMessage, OutboundMessage } from './bot/messages.js';
import { Outbox } from './bot/outbox.js';
import { Templates } from './bot/templates.js';
import type { Background, Channel, ChannelFactory } from './channels/channel.js';
import { channelFactories } from './channels/index.js';
import { type Clock, createClock } from './clock.js';
import { createEmulatorRouter } from './emulator/router.js';
import { findCjkFont } from './fonts.js';
import { createJobRunner, type JobRunner } from './jobs/index.js';
import type { Runtime } from './runtime.js';
import { createApp } from './server.js';
import { registerLocalGroups } from './services/local-groups.js';
import { openStore } from './state/open.js';
import type { KeyValueStore } from './state/store.js';

export interface StartOptions {
  /** 0 = any free port; default config.PORT */
  port?: number;
  /** the time base the clock reads (tests freeze it); the emulator moves the clock on top of it */
  now?: () => Date;
  /** default: every channel under src/channels */
  channels?: ChannelFactory[];
  /** replaces the bot (benchmarks of the bare channel path) */
  handle?: (msg: InboundMessage) => Promise<OutboundMessage[]>;
  /** run the schedules (daily push, deadline announcements, delivery sweep); default true */
  schedules?: boolean;
}

export interface RunningApp {
  url: string;
  app: Koa;
  server: http.Server;
  store: KeyValueStore;
  outbox: Outbox;
  templates: Templates;
  background: Background;
  channels: Map<string, Channel>;
  jobs: JobRunner;
  clock: Clock;
  now: () => Date;
  stop(): Promise<void>;
}

export async function startServices(rt: Runtime, opts: StartOptions = {}): Promise<RunningApp> {
  const { config, log, db } = rt;
  const clock = createClock(opts.now);
  const now = clock.now;
  const store = await openStore(config.REDIS_URL, log, config.REDIS_PREFIX);
  const outbox = new Outbox();
  const templates = new Templates();
  const background = createBackground(log);
  const chartFont = (await findCjkFont()) ?? undefined;
  const jobs = createJobRunner(
    { db, store, log, templates, outbox, now, startedAt: new Date(), ...(chartFont ? { chartFont } : {}) },
    {
      redisUrl: config.REDIS_URL,
      prefix: `${config.REDIS_PREFIX}-bull`,
      ...(opts.schedules === false ? { schedules: false } : {}),
    },
  );
  const handle =
    opts.handle ??
    createBot({
      db,
      store,
      log,
      templates,
      outbox,
      hashKey: config.ID_HASH_KEY,
      now,
      enqueue: (n, d, o) => jobs.enqueue(n, d, o),
    });

  const channels = new Map<string, Channel>();
  for (const factory of opts.channels ?? channelFactories) {
    const ch = await factory({ config, store, log, handle, now, background });
    channels.set(ch.platform, ch);
    outbox.register(ch.platform, ch.sender);
  }
  const routers = [...channels.values()].flatMap((c) => (c.router ? [c.router] : []));
  // the browser emulator acts as anyone: only when every platform runs against its local server (the embedded
  // default), never in production
  if (config.NODE_ENV !== 'production' && [...channels.values()].every((c) => c.emulator))
    routers.push(
      createEmulatorRouter({
        db,
        channels,
        clock,
        background,
        log,
        runSchedulesNow: async () => {
          await jobs.enqueue('ranking.daily', {});
          await jobs.enqueue('deadlines.daily', {});
          await jobs.idle();
        },
      }),
    );
  const app = createApp({ db, store, log, routers });
  const server = await new Promise<http.Server>((resolve) => {
    const s = app.listen(opts.port ?? config.PORT, '0.0.0.0', () => resolve(s));
  });
  const addr = server.address();
  const url = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : config.PORT}`;
  for (const ch of channels.values()) await ch.start?.({ url });
  await registerLocalGroups(
    db,
    [...channels.values()].flatMap((c) =>
      c.emulator?.ensureGroup ? [{ platform: c.platform, ensureGroup: c.emulator.ensureGroup.bind(c.emulator) }] : [],
    ),
  );
  await jobs.start();

  return {
    url,
    app,
    server,
    store,
    outbox,
    templates,
    background,
    channels,
    jobs,
    clock,
    now,
    async stop() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections?.();
      await background.idle();
      await jobs.stop();
      for (const ch of channels.values()) await ch.stop?.();
      await store.close();
    },
  };
}
