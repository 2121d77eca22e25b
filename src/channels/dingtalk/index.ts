/**
 * The DingTalk (钉钉) enterprise-internal app robot channel. It runs on DINGTALK_APP_KEY/SECRET, talks to
 * DINGTALK_API_BASE / DINGTALK_OAPI_BASE and receives over Stream (DingTalk's recommended mode) or, with
 * DINGTALK_MODE=http, at POST /dingtalk/callback. It runs only when the platform is configured
 * (src/channels/index.ts); the local mode (src/local/dingtalk) points it at a local DingTalk server with the demo
 * credentials, as if they were configured.
 */
import { ConfigError } from '../../config.js';
import type { Channel, ChannelDeps, ChannelFactory } from '../channel.js';
import { DEFAULT_API_BASE, DEFAULT_OAPI_BASE, DingtalkApi } from './api-client.js';
import { CARD_CALLBACK_PATH, createCallbackRouter } from './callback.js';
import type { DingtalkCredentials } from './credentials.js';
import { PLATFORM } from './inbound.js';
import { type QuotaExhaustedEvent, QuotaMeter } from './quota.js';
import { FileStore, quotaFilePath } from './quota-file.js';
import { createQuotaPort, type QuotaPort } from './quota-port.js';
import { createReceiver } from './receive.js';
import { GroupRobots } from './robot.js';
import { createDingtalkSender, type DingtalkSender } from './sender.js';
import { type DingtalkSettings, readSettings } from './settings.js';
import { connectStream, type StreamConnection } from './stream.js';

export { DEFAULT_API_BASE, DEFAULT_OAPI_BASE, DingtalkApi } from './api-client.js';
export { CALLBACK_PATH, CARD_CALLBACK_PATH } from './callback.js';
export type { DingtalkCredentials } from './credentials.js';
export { DingtalkApiError, DingtalkInputError, DingtalkUnavailable, QuotaExhausted, RateLimited } from './errors.js';
export { monthOf, type QuotaExhaustedEvent, QuotaMeter } from './quota.js';
export { givesWay, projectedForMonth, projectMonth, type QuotaSchedule } from './quota-plan.js';
export type { QuotaPort, QuotaReport } from './quota-port.js';
export { GroupRobots, type GroupWebhook, ROBOT_PER_MINUTE } from './robot.js';
export { type DingtalkSettings, readSettings } from './settings.js';

export interface DingtalkChannelOptions {
  /** where card clicks should come back (HTTP mode), given the app's own URL; default PUBLIC_URL */
  cardCallbackBase?: (appUrl: string | undefined) => string | undefined;
  /** DINGTALK_* settings over the config's (tests) */
  settings?: Partial<Record<keyof DingtalkSettings, unknown>>;
  dedupeTtlMs?: number;
  sessionMarginMs?: number;
  rateLimitRetries?: number;
  /**
   * a reply DingTalk flow-controlled is sent again after this long (default 60 s: DingTalk states no number; its
   * robot send throttles are per minute, errors-map.ts)
   */
  flowControlRetryMs?: number;
  /** API transport retries and their first delay */
  retries?: number;
  baseDelayMs?: number;
  /** called once a month when the quota runs out (besides the held notice to DINGTALK_ADMIN_USER_IDS) */
  onQuotaExhausted?: (e: QuotaExhaustedEvent) => Promise<void>;
  /** how often held messages are retried (the month may have turned); 0 = never by timer */
  flushEveryMs?: number;
  /** where sessionWebhooks may point when it is not the OAPI base (the bench's sink stands in for DingTalk) */
  sessionWebhookBase?: string;
}

export interface DingtalkChannel extends Channel {
  platform: 'dingtalk';
  credentials: Readonly<DingtalkCredentials>;
  settings: DingtalkSettings;
  mode: 'stream' | 'http';
  apiBase: string;
  oapiBase: string;
  api: DingtalkApi;
  sender: DingtalkSender;
  quota: QuotaMeter;
  /** for `huzhu quota` (src/cli/quota.ts) */
  quotaPort: QuotaPort;
  stream?: StreamConnection;
  /** `start` is given the app's URL (card clicks in HTTP mode, see DingtalkChannelOptions.cardCallbackBase) */
  start(ctx?: { url?: string }): Promise<void>;
  stop(): Promise<void>;
}

export const ADMIN_NOTICE = (month: string) =>
  `【互助助手】本组织钉钉开放接口 ${month} 月度调用次数已用完，消息暂停发送并已全部保留，将在次月自动补发；也可由管理员执行 huzhu quota flush 补发。`;

export async function createDingtalkChannelWith(
  deps: ChannelDeps,
  opts: DingtalkChannelOptions = {},
): Promise<DingtalkChannel> {
  const c = deps.config;
  const settings = readSettings(c, opts.settings);
  // src/config.ts refuses a partial DINGTALK_* set; this guards a caller that skipped src/channels/index.ts
  if (!c.DINGTALK_APP_KEY || !c.DINGTALK_APP_SECRET)
    throw new ConfigError('DingTalk is not configured: set DINGTALK_APP_KEY and DINGTALK_APP_SECRET');
  const credentials: DingtalkCredentials = {
    appKey: c.DINGTALK_APP_KEY,
    appSecret: c.DINGTALK_APP_SECRET,
    robotCode: c.DINGTALK_ROBOT_CODE ?? c.DINGTALK_APP_KEY,
    corpId: settings.DINGTALK_CORP_ID ?? c.DINGTALK_APP_KEY,
    cardApiSecret: settings.DINGTALK_CARD_API_SECRET ?? c.DINGTALK_APP_SECRET,
    cardTemplateId: settings.DINGTALK_CARD_TEMPLATE_ID ?? '',
    callbackRouteKey: settings.DINGTALK_CARD_ROUTE_KEY,
  };
  const apiBase = c.DINGTALK_API_BASE ?? DEFAULT_API_BASE;
  const oapiBase = c.DINGTALK_OAPI_BASE ?? DEFAULT_OAPI_BASE;
  const mode = settings.DINGTALK_MODE ?? 'stream';
  if (!credentials.cardTemplateId)
    deps.log.warn(
      'DINGTALK_CARD_TEMPLATE_ID is not set: approval cards cannot be sent (see templates/dingtalk/README.md)',
    );

  let sender: DingtalkSender | undefined;
  // without Redis the counters live in a file the CLI reads too (quota-file.ts); with it, in the shared store
  const quotaStore = deps.diskState && !c.REDIS_URL ? new FileStore(quotaFilePath(c.DATABASE_URL)) : deps.store;
  const quota = new QuotaMeter(quotaStore, credentials.corpId, settings, deps.now, deps.log, async (e) => {
    if (settings.DINGTALK_ADMIN_USER_IDS.length)
      await sender?.sendAs(
        'reply',
        { userIds: settings.DINGTALK_ADMIN_USER_IDS },
        { kind: 'text', text: ADMIN_NOTICE(e.month) },
      );
    await opts.onQuotaExhausted?.(e);
  });
  const api = new DingtalkApi({
    apiBase,
    oapiBase,
    creds: credentials,
    store: deps.store,
    log: deps.log,
    quota,
    retries: opts.retries,
    baseDelayMs: opts.baseDelayMs,
  });
  const robots = new GroupRobots(settings.DINGTALK_GROUP_WEBHOOKS, deps.store, deps.log, deps.now);
  sender = createDingtalkSender(
    api,
    {
      templateId: credentials.cardTemplateId,
      ...(mode === 'http' ? { callbackRouteKey: credentials.callbackRouteKey } : {}),
      store: deps.store,
    },
    deps.log,
    robots,
  );
  const receiver = createReceiver(deps, credentials.robotCode, sender, {
    dedupeTtlMs: opts.dedupeTtlMs ?? 24 * 3_600_000,
    sessionMarginMs: opts.sessionMarginMs ?? 60_000,
    rateLimitRetries: opts.rateLimitRetries ?? 2,
    flowControlRetryMs: opts.flowControlRetryMs ?? 60_000,
    oapiBase: opts.sessionWebhookBase ?? oapiBase,
    requireHttps: c.NODE_ENV === 'production',
    fetchFile: (code, maxBytes) => api.downloadFile(code, maxBytes),
  });
  const router = createCallbackRouter(deps, {
    creds: credentials,
    receiver,
    maxSkewMs: settings.DINGTALK_MAX_CLOCK_SKEW_MS,
  });
  const quotaPort = createQuotaPort({ platform: PLATFORM, quota, sender, settings, now: deps.now });
  let timer: NodeJS.Timeout | undefined;
  const channel: DingtalkChannel = {
    platform: PLATFORM,
    router,
    sender,
    credentials,
    settings,
    mode,
    apiBase,
    oapiBase,
    api,
    quota,
    quotaPort,
    monthlyQuota: quotaPort,
    fetchMedia: (downloadCode, maxBytes) => api.downloadFile(downloadCode, maxBytes),
    async start(ctx) {
      if (mode === 'stream') {
        channel.stream = await connectStream({ creds: credentials, apiBase, receiver, now: deps.now, log: deps.log });
      } else {
        const base = opts.cardCallbackBase ? opts.cardCallbackBase(ctx?.url) : c.PUBLIC_URL;
        if (base && credentials.cardTemplateId)
          await api
            .call('POST', '/v1.0/card/callbacks/register', {
              callbackRouteKey: credentials.callbackRouteKey,
              callbackUrl: new URL(CARD_CALLBACK_PATH, base).toString(),
              apiSecret: credentials.cardApiSecret,
              forceUpdate: true,
            })
            .catch((e: unknown) =>
              deps.log.error({ err: e }, 'dingtalk card callback route not registered: clicks will not arrive'),
            );
      }
      const every = opts.flushEveryMs ?? 10 * 60_000;
      if (every > 0) {
        timer = setInterval(() => {
          deps.background.run('dingtalk held messages', async () => {
            if (sender && (await quota.held()).length)
              await sender.flushHeld().catch((e: unknown) => deps.log.warn({ err: e }, 'dingtalk flush failed'));
          });
        }, every);
        timer.unref();
      }
    },
    async stop() {
      if (timer) clearInterval(timer);
      channel.stream?.stop();
      if (quotaStore !== deps.store) await quotaStore.close();
    },
  };
  return channel;
}

export const createDingtalkChannel: ChannelFactory = (deps) => createDingtalkChannelWith(deps);
