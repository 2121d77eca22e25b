/**
 * What a platform plugs in. A channel is a folder under src/channels: it turns the platform's wire format into
 * InboundMessage for the bot, and renders OutboundMessage into the platform's API calls. Channels never touch the
 * database; they get the bot as a function.
 */
import type Router from '@koa/router';
import type { Config } from '../config.js';
import type { Log } from '../core/log.js';
import type { InboundMessage, Platform, Reply } from '../core/messages.js';
import type { PlatformSender } from '../core/outbox.js';
import type { KeyValueStore } from '../state/store.js';
import type { HandleOptions } from '../state/turn.js';
import type { Admission } from './admission.js';
import type { InboundRecovery } from './journal-worker.js';

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
  /**
   * the bot: one normalised message in, the replies to its sender out; `turnHeld` when the caller holds the sender's
   * turn lock (src/state/turn.ts)
   */
  handle(msg: InboundMessage, opts?: HandleOptions): Promise<Reply[]>;
  now(): Date;
  background: Background;
  /**
   * Without Redis, keep what another process must read (DingTalk's monthly quota counters, read by `huzhu quota`)
   * in a file beside the database instead of this process's memory. Set by the app and the CLI; tests leave it off.
   */
  diskState?: boolean;
  /** how many messages the bot handles at once, shared by every channel of the process (default: one per channel) */
  admission?: Admission;
  /**
   * The inbound journal and its takeover worker (journal-worker.ts): each pipeline journals what it admits and
   * registers how to handle an entry a dead process left. Unset: nothing journaled (tests of a bare channel).
   */
  recovery?: InboundRecovery;
}

export interface Channel {
  platform: Platform;
  /** HTTP routes (callbacks); mounted on the one Koa app */
  router?: Router;
  /** sends to anyone: the outbox registers it for this platform */
  sender: PlatformSender;
  /** long-lived connections (Stream modes); called once after the HTTP server listens at `url` */
  start?(ctx: { url: string }): Promise<void>;
  stop?(): Promise<void>;
  /** present when the platform meters API calls by the month (`huzhu quota`) */
  monthlyQuota?: QuotaPort;
  /** the bytes of a photo a user sent, by the reference its message carried (an officer opens a claim document) */
  fetchMedia?(mediaId: string, maxBytes: number): Promise<{ bytes: Buffer }>;
}

/** What the schedules send in a month, in platform-neutral counts (the channel turns them into API calls). */
export interface MonthlySendPlan {
  /** days of the month the daily ranking push runs */
  pushDays: number;
  /** federation groups that get the full tables */
  groups: number;
  /** messages of one group push (the tables split to fit the platform's size limit) */
  groupMessagesPerPush: number;
  /** charts in one group push */
  chartsPerPush: number;
  /** reps who get their personal line */
  repsWithLines: number;
  /** reps who get their category's chart */
  repsWithCharts: number;
  /** categories of the ranking (one chart each) */
  categories: number;
  /** announcements to the groups this month (deadline reminders, ad-hoc) */
  announcements: number;
  /** approval cards expected this month */
  approvals: number;
  /** replies that must go through the API */
  apiReplies: number;
}

export interface QuotaReport {
  platform: string;
  org: string;
  month: string;
  used: number;
  budget: number;
  /** what the schedules need in a whole month */
  monthlyNeed: number;
  /** used + the rest of this month's schedules */
  projected: number;
  held: number;
  exhausted: boolean;
  giveWay: string[];
  reserve: number;
}

export interface QuotaPort {
  platform: string;
  report(plan: MonthlySendPlan): Promise<QuotaReport>;
  /** sends what was held back, as far as the budget allows */
  flush(): Promise<{ sent: number; left: number }>;
}

export type ChannelFactory = (deps: ChannelDeps) => Promise<Channel>;
