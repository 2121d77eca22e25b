/**
 * WeCom in the local mode: the production channel (src/channels/wecom), given the local WeCom API server's base URL
 * and the demo credentials as if they were configured, plus the emulator's adapter for that server.
 */
import type { ChannelDeps, ChannelFactory } from '../../channels/channel.js';
import { createWecomChannelWith, type WecomChannel, type WecomChannelOptions } from '../../channels/wecom/index.js';
import { memberLimitsFor } from '../../channels/wecom/platform.js';
import type { Config } from '../../config.js';
import { DEMO_CREDENTIALS } from './demo.js';
import { createWecomEmulator, type WecomEmulator } from './emulator.js';
import { LocalWecomServer } from './local-server.js';

export interface LocalWecomChannel extends WecomChannel {
  /** the local WeCom API server the channel talks to (absent when a test runs the production channel) */
  localServer?: LocalWecomServer;
  emulator?: WecomEmulator;
}

export interface LocalWecomOptions extends WecomChannelOptions {
  /** run against this local server (several app instances on one local WeCom) instead of starting one */
  localServer?: LocalWecomServer;
}

/** the configuration as if WeCom were configured with the local server's credentials and address */
export function localWecomConfig(config: Config, server: LocalWecomServer): Config {
  return {
    ...config,
    WECOM_CORP_ID: server.creds.corpId,
    WECOM_TOKEN: server.creds.token,
    WECOM_ENCODING_AES_KEY: server.creds.encodingAesKey,
    WECOM_AGENT_ID: server.creds.agentId,
    WECOM_SECRET: server.creds.secret,
    WECOM_API_BASE: server.url,
  };
}

export async function createLocalWecomChannel(
  deps: ChannelDeps,
  opts: LocalWecomOptions = {},
): Promise<LocalWecomChannel> {
  const { localServer: given, ...channelOpts } = opts;
  // a test that raises the app's per-member rate (WECOM_MEMBER_PER_MINUTE) raises this WeCom's as well
  const [minute, hour] = memberLimitsFor(deps.config);
  const server =
    given ??
    (await LocalWecomServer.start({
      creds: { ...DEMO_CREDENTIALS },
      ...(minute ? { memberPerMinute: minute.limit } : {}),
      ...(hour ? { memberPerHour: hour.limit } : {}),
    }));
  if (!given)
    deps.log.info({ apiBase: server.url }, 'local mode: WeCom runs against the local API server with demo credentials');
  const channel = await createWecomChannelWith({ ...deps, config: localWecomConfig(deps.config, server) }, channelOpts);
  const emulator = createWecomEmulator({
    creds: channel.credentials,
    crypto: channel.crypto,
    server,
    now: deps.now,
    appUrl: `http://127.0.0.1:${deps.config.PORT}`,
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

export const createLocalWecomChannelFactory: ChannelFactory = (deps) => createLocalWecomChannel(deps);
