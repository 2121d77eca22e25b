/**
 * The WeCom (企业微信) self-built app channel. With WECOM_* configured it talks to WECOM_API_BASE; without, it
 * runs the embedded default: the demo credentials and a local WeCom API server started in-process, so the app,
 * the tests and the emulator work offline.
 */

import { wecomConfigured } from '../../config.js';
import type { Channel, ChannelDeps, ChannelFactory } from '../channel.js';
import { DEFAULT_API_BASE, type RetryPolicy, WecomApi } from './api-client.js';
import { type CallbackOptions, createCallbackRouter } from './callback.js';
import { WecomCrypto } from './crypto.js';
import { DEMO_CREDENTIALS, type WecomCredentials } from './demo.js';
import { createWecomEmulator, type WecomEmulator } from './emulator.js';
import { LocalWecomServer } from './local-server.js';
import { createRobotClient, type RobotClient } from './robot.js';
import { createWecomSender } from './sender.js';

export { DEFAULT_API_BASE, WecomApi } from './api-client.js';
export { CALLBACK_PATH } from './callback.js';
export { WecomCrypto } from './crypto.js';
export { DEMO_CREDENTIALS, type WecomCredentials } from './demo.js';
export { RateLimited, WecomApiError, WecomInputError, WecomUnavailable } from './errors.js';
export { LocalWecomServer } from './local-server.js';
export { createRobotClient, type RobotClient } from './robot.js';

export interface WecomChannelOptions extends Partial<CallbackOptions> {
  retry?: Partial<RetryPolicy>;
  /** how long a 45009/45033 blocks an API path */
  rateLimitBlockMs?: number;
  /** run against this local server (several app instances on one local WeCom) instead of starting one */
  localServer?: LocalWecomServer;
}

export interface WecomChannel extends Channel {
  platform: 'wecom';
  credentials: Readonly<WecomCredentials>;
  apiBase: string;
  api: WecomApi;
  crypto: WecomCrypto;
  /** the group robot webhook client (for the jobs) */
  robot: RobotClient;
  /** the local WeCom API server, when running without credentials */
  localServer?: LocalWecomServer;
  emulator?: WecomEmulator;
  /** `start` is given the app's URL so the emulator can post callbacks to it */
  start(ctx?: { url?: string }): Promise<void>;
  stop(): Promise<void>;
}

function configuredCredentials(deps: ChannelDeps): WecomCredentials {
  const c = deps.config;
  return {
    corpId: c.WECOM_CORP_ID!,
    token: c.WECOM_TOKEN!,
    encodingAesKey: c.WECOM_ENCODING_AES_KEY!,
    agentId: c.WECOM_AGENT_ID!,
    secret: c.WECOM_SECRET!,
  };
}

export async function createWecomChannelWith(deps: ChannelDeps, opts: WecomChannelOptions = {}): Promise<WecomChannel> {
  const configured = wecomConfigured(deps.config);
  let localServer = opts.localServer;
  let ownsServer = false;
  if (!configured && !localServer) {
    localServer = await LocalWecomServer.start({ creds: { ...DEMO_CREDENTIALS } });
    ownsServer = true;
    deps.log.info(
      { apiBase: localServer.url },
      'WECOM_* not set: WeCom runs against the local API server with demo credentials',
    );
  }
  const credentials = configured ? configuredCredentials(deps) : localServer!.creds;
  const apiBase = configured ? (deps.config.WECOM_API_BASE ?? DEFAULT_API_BASE) : localServer!.url;
  const crypto = new WecomCrypto(credentials);
  const api = new WecomApi({
    base: apiBase,
    creds: credentials,
    store: deps.store,
    log: deps.log,
    retry: opts.retry,
    rateLimitBlockMs: opts.rateLimitBlockMs,
  });
  const sender = createWecomSender(api, { publicUrl: deps.config.PUBLIC_URL });
  const router = createCallbackRouter(deps, credentials, crypto, sender, {
    passiveBudgetMs: opts.passiveBudgetMs ?? 3_000,
    dedupeTtlMs: opts.dedupeTtlMs ?? 24 * 3_600_000,
    rateLimitRetries: opts.rateLimitRetries ?? 2,
  });
  const robot = createRobotClient({
    base: apiBase,
    store: deps.store,
    log: deps.log,
    retry: opts.retry,
    rateLimitBlockMs: opts.rateLimitBlockMs,
  });
  const emulator = localServer
    ? createWecomEmulator({
        creds: credentials,
        crypto,
        server: localServer,
        now: deps.now,
        appUrl: `http://127.0.0.1:${deps.config.PORT}`,
      })
    : undefined;

  return {
    platform: 'wecom',
    router,
    sender,
    credentials,
    apiBase,
    api,
    crypto,
    robot,
    localServer,
    emulator,
    async start(ctx) {
      if (emulator && ctx?.url) emulator.appUrl = ctx.url;
    },
    async stop() {
      if (ownsServer) await localServer?.close();
    },
  };
}

export const createWecomChannel: ChannelFactory = (deps) => createWecomChannelWith(deps);
