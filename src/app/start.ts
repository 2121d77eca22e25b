/**
 * The composition root: shared store, outbox, bot, channels and the HTTP server, wired once. Production
 * (./main.ts), the local mode (src/local/start-local.ts), the tests and the benchmarks all start the app through
 * here, so they exercise the same wiring. Only the configured platforms' channels are created.
 */
import type http from 'node:http';
import type Router from '@koa/router';
import type Koa from 'koa';
import { createBackground } from '../background.js';
import { createBot } from '../bot/bot.js';
import { createAdmission } from '../channels/admission.js';
import type { Background, Channel, ChannelFactory } from '../channels/channel.js';
import { configuredChannelFactories, platformColumns } from '../channels/index.js';
import { createInboundRecovery, type InboundRecovery } from '../channels/journal-worker.js';
import { platformLimitsFor } from '../channels/platforms.js';
import { type Clock, createClock } from '../clock.js';
import { bullPrefix } from '../config.js';
import type { Log } from '../core/log.js';
import type { InboundMessage, Reply } from '../core/messages.js';
import { Outbox } from '../core/outbox.js';
import { Templates } from '../core/templates.js';
import type { Db } from '../db/client.js';
import { findCjkFont } from '../fonts.js';
import { createDispatch } from '../jobs/dispatch.js';
import { createJobRunner, type JobRunner } from '../jobs/index.js';
import type { Runtime } from '../runtime.js';
import { createApp, listen } from '../server.js';
import { signDocumentLink } from '../services/document-links.js';
import { createServices } from '../services/index.js';
import { openStore } from '../state/open.js';
import type { KeyValueStore } from '../state/store.js';
import { createFileRouter } from './files.js';

/** What an extension of the app (the local mode's emulator) is given once the channels exist. */
export interface AppParts {
  db: Db;
  log: Log;
  channels: ReadonlyMap<string, Channel>;
  clock: Clock;
  background: Background;
  jobs: JobRunner;
}

export interface AppExtension {
  /** mounted next to the channels' routes */
  routers?: Router[];
  /** after the channels started, before the schedules start */
  started?(url: string): Promise<void>;
  /** after the channels stopped */
  stop?(): Promise<void>;
}

export interface StartOptions {
  /** 0 = any free port; default config.PORT */
  port?: number;
  /** the time base the clock reads (tests freeze it); the emulator moves the clock on top of it */
  now?: () => Date;
  /** default: every configured channel under src/channels */
  channels?: ChannelFactory[];
  /** more routes and start/stop hooks (the local mode) */
  extend?: (parts: AppParts) => Promise<AppExtension>;
  /** replaces the bot (benchmarks of the bare channel path) */
  handle?: (msg: InboundMessage) => Promise<Reply[]>;
  /** run the schedules (daily push, deadline announcements, delivery sweep); default true */
  schedules?: boolean;
  /** how many messages the bot handles at once across every channel (default: src/channels/admission.ts) */
  handlerConcurrency?: number;
}

export interface RunningApp {
  url: string;
  app: Koa;
  server: http.Server;
  store: KeyValueStore;
  outbox: Outbox;
  templates: Templates;
  background: Background;
  /** the inbound journal's takeover (tests run a pass with sweep()) */
  recovery?: InboundRecovery;
  channels: Map<string, Channel>;
  jobs: JobRunner;
  clock: Clock;
  now: () => Date;
  /** the bot as wired here (or StartOptions.handle): the load bench calls it directly as its baseline */
  handle: (msg: InboundMessage) => Promise<Reply[]>;
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
  // officers' cards link to the claim's documents under PUBLIC_URL (the local mode: the app's own address)
  let ownUrl: string | null = null;
  const linkKey = { secret: config.FILE_LINK_SECRET, now };
  const documentLink = (claimId: number, n: number | 'all') => {
    const base = config.PUBLIC_URL ?? (config.NODE_ENV === 'production' ? null : ownUrl);
    return base ? signDocumentLink(linkKey, base, claimId, n) : null;
  };
  // a photo's bytes through the media API of the platform it came in on (the channels are made below)
  const fetchMedia = (platform: string, mediaId: string, maxBytes: number) => {
    const fetch = channels.get(platform)?.fetchMedia;
    if (!fetch) throw new Error(`no media API for platform ${platform}`);
    return fetch(mediaId, maxBytes);
  };
  const jobDeps = {
    documentLink,
    db,
    store,
    log,
    templates,
    outbox,
    now,
    startedAt: new Date(),
    limits: platformLimitsFor(config),
    ...(chartFont ? { chartFont } : {}),
  };
  const jobs = createJobRunner(jobDeps, {
    redisUrl: config.REDIS_URL,
    prefix: bullPrefix(config),
    ...(opts.schedules === false ? { schedules: false } : {}),
  });
  const handle =
    opts.handle ??
    createBot({
      services: createServices({ db, store, log }),
      store,
      log,
      templates,
      outbox,
      hashKey: config.ID_HASH_KEY,
      now,
      documentLink,
      fetchMedia,
      enqueue: (n, d, o) => jobs.enqueue(n, d, o),
      dispatch: createDispatch(jobDeps, (n, d, o) => jobs.enqueue(n, d, o)),
      platforms: platformColumns,
    });

  const channels = new Map<string, Channel>();
  // one bound for the process: the platforms share its CPU
  const admission = createAdmission(opts.handlerConcurrency);
  // what was acknowledged before its turn ran survives a crash (the journal lives in the store: see its header)
  const journal = store.journal?.();
  const recovery = journal ? createInboundRecovery(journal, log, background) : undefined;
  for (const factory of opts.channels ?? configuredChannelFactories(config)) {
    const ch = await factory({
      config,
      store,
      log,
      handle,
      now,
      background,
      diskState: true,
      admission,
      ...(recovery ? { recovery } : {}),
    });
    channels.set(ch.platform, ch);
    outbox.register(ch.platform, ch.sender);
  }
  const extension: AppExtension = opts.extend ? await opts.extend({ db, log, channels, clock, background, jobs }) : {};
  const routers = [...channels.values()].flatMap((c) => (c.router ? [c.router] : []));
  routers.push(...(extension.routers ?? []));
  routers.push(
    createFileRouter({
      db,
      log,
      templates,
      key: config.PUBLIC_URL || config.NODE_ENV !== 'production' ? linkKey : null,
      fetchMedia,
    }),
  );
  const app = createApp({ db, store, log, routers });
  const server = await listen(app, opts.port ?? config.PORT, '0.0.0.0', config.HTTP_REQUEST_TIMEOUT_MS);
  const addr = server.address();
  const url = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : config.PORT}`;
  ownUrl = url;
  for (const ch of channels.values()) await ch.start?.({ url });
  // a dead process's journaled messages are taken over once every channel can answer them
  recovery?.start();
  await extension.started?.(url);
  await jobs.start();

  return {
    url,
    app,
    server,
    store,
    outbox,
    templates,
    background,
    ...(recovery ? { recovery } : {}),
    channels,
    jobs,
    clock,
    now,
    handle,
    async stop() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections?.();
      await recovery?.stop();
      await background.idle();
      await jobs.stop();
      for (const ch of channels.values()) await ch.stop?.();
      await extension.stop?.();
      await store.close();
    },
  };
}
