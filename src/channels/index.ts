/**
 * Every platform's channel factory. A new platform is a new folder here, its descriptor's line in ./platforms.ts
 * and its factory's line below (the descriptors cannot import the factories: src/config.ts reads them, and the
 * channels read the config). Only configured platforms run: an unconfigured one has no routes.
 */
import { type Config, configuredPlatforms } from '../config.js';
import type { ChannelFactory } from './channel.js';
import { createDingtalkChannel } from './dingtalk/index.js';
import { dingtalkPlatform } from './dingtalk/platform.js';
import { isPlatform, type Platform } from './platforms.js';
import { createWecomChannel } from './wecom/index.js';
import { wecomPlatform } from './wecom/platform.js';

export const channelFactoryOf: Readonly<Record<Platform, ChannelFactory>> = {
  [wecomPlatform.name]: createWecomChannel,
  [dingtalkPlatform.name]: createDingtalkChannel,
};

export { isPlatform, type Platform, platformColumns, platformLabels, platformNames } from './platforms.js';

/** the factories of the platforms whose credentials are configured */
export function configuredChannelFactories(config: Config): ChannelFactory[] {
  return configuredPlatforms(config).flatMap((p) => {
    return isPlatform(p) ? [channelFactoryOf[p]] : [];
  });
}
