/**
 * The WeCom (企业微信) self-built app channel: it runs on the WECOM_* credentials and talks to WECOM_API_BASE. It
 * runs only when the platform is configured (src/channels/index.ts); the local mode (src/local/wecom) points it at
 * a local WeCom API server with the demo credentials, as if they were configured.
 */

import { ConfigError } from '../../config.js';
import type { RateLimit } from '../../core/platform-limits.js';
import type { Channel, ChannelDeps, ChannelFactory } from '../channel.js';
import { DEFAULT_API_BASE, type RetryPolicy, WecomApi } from './api-client.js';
import { type CallbackOptions, createCallbackRouter } from './callback.js';
import type { WecomCredentials } from './credentials.js';
import { WecomCrypto } from './crypto.js';
import { memberLimitsFor } from './platform.js';
import { createRobotClient, type RobotClient } from './robot.js';
import { createWecomSender } from './sender.js';

export { DEFAULT_API_BASE, WecomApi } from './api-client.js';
export { CALLBACK_PATH } from './callback.js';
export type { WecomCredentials } from './credentials.js';
export { WecomCrypto } from './crypto.js';
export { MemberPaced, RateLimited, WecomApiError, WecomInputError, WecomUnavailable } from './errors.js';
export { createRobotClient, type RobotClient } from './robot.js';

export interface WecomChannelOptions extends Partial<CallbackOptions> {
  retry?: Partial<RetryPolicy>;
  /** how long a 45009/45033 blocks an API path */
  rateLimitBlockMs?: number;
  /**
   * message/send to one member: the descriptor's windows (WeCom's 30 a minute, 1000 an hour) unless a test gives
   * its own, and the wall clock they are read by (Date.now unless a test advances its own)
   */
  memberLimits?: readonly RateLimit[];
  wallNow?: () => number;
  /** the longest a send waits for a member's room before it refuses (default: a minute's window, and a second) */
  memberMaxWaitMs?: number;
}

export interface WecomChannel extends Channel {
  platform: 'wecom';
  credentials: Readonly<WecomCredentials>;
  apiBase: string;
  api: WecomApi;
  crypto: WecomCrypto;
  /** the group robot webhook client (for the jobs) */
  robot: RobotClient;
  start(ctx?: { url?: string }): Promise<void>;
  stop(): Promise<void>;
}

function configuredCredentials(deps: ChannelDeps): WecomCredentials {
  const c = deps.config;
  // src/config.ts refuses a partial WECOM_* set; this guards a caller that skipped src/channels/index.ts
  const {
    WECOM_CORP_ID: corpId,
    WECOM_TOKEN: token,
    WECOM_ENCODING_AES_KEY: encodingAesKey,
    WECOM_AGENT_ID: agentId,
    WECOM_SECRET: secret,
  } = c;
  if (!corpId || !token || !encodingAesKey || !agentId || !secret)
    throw new ConfigError('WeCom is not configured: set every WECOM_* credential');
  return { corpId, token, encodingAesKey, agentId, secret };
}

export async function createWecomChannelWith(deps: ChannelDeps, opts: WecomChannelOptions = {}): Promise<WecomChannel> {
  const credentials = configuredCredentials(deps);
  const apiBase = deps.config.WECOM_API_BASE ?? DEFAULT_API_BASE;
  const crypto = new WecomCrypto(credentials);
  const api = new WecomApi({
    base: apiBase,
    creds: credentials,
    store: deps.store,
    log: deps.log,
    retry: opts.retry,
    rateLimitBlockMs: opts.rateLimitBlockMs,
  });
  if (deps.config.NODE_ENV === 'production' && deps.config.WECOM_MEMBER_PER_MINUTE !== undefined)
    // WeCom itself takes 30 a minute for one member and drops the rest silently: no other number is true there
    throw new ConfigError('WECOM_MEMBER_PER_MINUTE is for tests against the local WeCom server only: unset it');
  const wallNow = opts.wallNow ?? Date.now;
  const sleep = opts.pacingSleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const sender = createWecomSender(api, {
    publicUrl: deps.config.PUBLIC_URL,
    pacing: {
      store: deps.store,
      limits: opts.memberLimits ?? memberLimitsFor(deps.config),
      wallNow,
      sleep,
      maxWaitMs: opts.memberMaxWaitMs ?? 61_000,
    },
  });
  const router = createCallbackRouter(deps, credentials, crypto, sender, {
    passiveBudgetMs: opts.passiveBudgetMs ?? 3_000,
    ...(opts.queueBudgetMs === undefined ? {} : { queueBudgetMs: opts.queueBudgetMs }),
    dedupeTtlMs: opts.dedupeTtlMs ?? 24 * 3_600_000,
    rateLimitRetries: opts.rateLimitRetries ?? 2,
    pacingSleep: sleep,
    fetchMedia: opts.fetchMedia ?? ((mediaId, maxBytes) => api.mediaFile(mediaId, maxBytes)),
    ...(deps.config.PUBLIC_URL ? { publicUrl: deps.config.PUBLIC_URL } : {}),
  });
  const robot = createRobotClient({
    base: apiBase,
    store: deps.store,
    log: deps.log,
    retry: opts.retry,
    rateLimitBlockMs: opts.rateLimitBlockMs,
  });
  return {
    platform: 'wecom',
    router,
    sender,
    credentials,
    apiBase,
    api,
    crypto,
    robot,
    fetchMedia: (mediaId, maxBytes) => api.mediaFile(mediaId, maxBytes),
    async start() {},
    async stop() {},
  };
}

export const createWecomChannel: ChannelFactory = (deps) => createWecomChannelWith(deps);
