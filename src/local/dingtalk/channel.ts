/**
 * DingTalk in the local mode: the production channel (src/channels/dingtalk), given the local DingTalk server's
 * base URL and the demo credentials as if they were configured (HTTP mode unless DINGTALK_MODE says otherwise), plus
 * the emulator's adapter for that server.
 */
import type { ChannelDeps, ChannelFactory } from '../../channels/channel.js';
import {
  createDingtalkChannelWith,
  type DingtalkChannel,
  type DingtalkChannelOptions,
} from '../../channels/dingtalk/index.js';
import type { Config } from '../../config.js';
import { DEMO_CREDENTIALS } from './demo.js';
import { createDingtalkEmulator, type DingtalkEmulator } from './emulator.js';
import { LocalDingtalkServer } from './local-server.js';

export interface LocalDingtalkChannel extends DingtalkChannel {
  /** the local DingTalk server the channel talks to (absent when a test runs the production channel) */
  localServer?: LocalDingtalkServer;
  emulator?: DingtalkEmulator;
}

export interface LocalDingtalkOptions extends DingtalkChannelOptions {
  /** run against this local server (several app instances on one local DingTalk) instead of starting one */
  localServer?: LocalDingtalkServer;
}

/** the configuration as if DingTalk were configured with the local server's credentials and address */
export function localDingtalkConfig(config: Config, server: LocalDingtalkServer): Config {
  const c = server.creds;
  // the settings of ./settings.ts are kept in the config as the strings the environment gave
  const settings: Record<string, string> = {
    DINGTALK_CORP_ID: c.corpId,
    DINGTALK_CARD_API_SECRET: c.cardApiSecret,
    DINGTALK_CARD_TEMPLATE_ID: c.cardTemplateId,
    DINGTALK_CARD_ROUTE_KEY: c.callbackRouteKey,
    // no public URL locally: callbacks over HTTP to the app itself, unless Stream is asked for
    DINGTALK_MODE: (config as Record<string, unknown>).DINGTALK_MODE === 'stream' ? 'stream' : 'http',
  };
  return {
    ...config,
    ...settings,
    DINGTALK_APP_KEY: c.appKey,
    DINGTALK_APP_SECRET: c.appSecret,
    DINGTALK_ROBOT_CODE: c.robotCode,
    DINGTALK_API_BASE: server.url,
    DINGTALK_OAPI_BASE: server.url,
  };
}

export async function createLocalDingtalkChannel(
  deps: ChannelDeps,
  opts: LocalDingtalkOptions = {},
): Promise<LocalDingtalkChannel> {
  const { localServer: given, ...channelOpts } = opts;
  const server =
    given ??
    (await LocalDingtalkServer.start({ creds: { ...DEMO_CREDENTIALS }, callbackNow: () => deps.now().getTime() }));
  if (!given)
    deps.log.info({ apiBase: server.url }, 'local mode: DingTalk runs against the local server with demo credentials');
  const channel = await createDingtalkChannelWith(
    { ...deps, config: localDingtalkConfig(deps.config, server) },
    // card clicks come back to the app itself
    { cardCallbackBase: (url) => url, ...channelOpts },
  );
  const emulator = createDingtalkEmulator({
    creds: channel.credentials,
    server,
    now: deps.now,
    appUrl: `http://127.0.0.1:${deps.config.PORT}`,
    mode: channel.mode,
  });
  const start = channel.start.bind(channel);
  const stop = channel.stop.bind(channel);
  return Object.assign(channel, {
    localServer: server,
    emulator,
    async start(ctx?: { url?: string }) {
      if (ctx?.url) emulator.appUrl = ctx.url;
      await start(ctx);
    },
    async stop() {
      await stop();
      if (!given) await server.close();
    },
  });
}

export const createLocalDingtalkChannelFactory: ChannelFactory = (deps) => createLocalDingtalkChannel(deps);
