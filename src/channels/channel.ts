/**
 * What a platform plugs in. A channel is a folder under src/channels: it turns the platform's wire format into
 * InboundMessage for the bot, and renders OutboundMessage into the platform's API calls. Channels never touch the
 * database; they get the bot as a function.
 */
import type Router from '@koa/router';
import type { InboundMessage, OutboundMessage, Platform } from '../bot/messages.js';
import type { PlatformSender } from '../bot/outbox.js';
import type { Config } from '../config.js';
import type { Log } from '../log.js';
import type { KeyValueStore } from '../state/store.js';

/** Work that outlives the HTTP request (a slow answer sent through the API): tracked so tests and shutdown can wait. */
export interface Background {
  run(label: string, task: () => Promise<void>): void;
  /** resolves when nothing is running */
  idle(): Promise<void>;
}

export interface ChannelDeps {
  config: Config;
  /** dedupe marks, token cache, locks: Redis when REDIS_URL is set, shared by every instance */
  store: KeyValueStore;
  log: Log;
  /** the bot: one normalised message in, the replies to its sender out */
  handle(msg: InboundMessage): Promise<OutboundMessage[]>;
  now(): Date;
  background: Background;
}

export interface Channel {
  platform: Platform;
  /** HTTP routes (callbacks); mounted on the one Koa app */
  router?: Router;
  /** sends to anyone: the outbox registers it for this platform */
  sender: PlatformSender;
  /** long-lived connections (DingTalk Stream), local API servers; called once after the HTTP server listens */
  start?(): Promise<void>;
  stop?(): Promise<void>;
}

export type ChannelFactory = (deps: ChannelDeps) => Promise<Channel>;
