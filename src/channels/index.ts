/**
 * Every platform the app speaks. A new platform is a new folder here and one line below (and its settings schema
 * and credential keys in ./settings.ts). Only configured platforms run: an unconfigured one has no routes.
 */
import { type Config, configuredPlatforms } from '../config.js';
import type { ChannelFactory } from './channel.js';
import { createDingtalkChannel } from './dingtalk/index.js';
import { createWecomChannel } from './wecom/index.js';

export const channelFactoryOf: Readonly<Record<string, ChannelFactory>> = {
  wecom: createWecomChannel,
  dingtalk: createDingtalkChannel,
};

/** the platforms' names, for data that is keyed by platform (chat identities, group chats) */
export const platformNames: readonly string[] = Object.keys(channelFactoryOf);

/** the factories of the platforms whose credentials are configured */
export function configuredChannelFactories(config: Config): ChannelFactory[] {
  return configuredPlatforms(config).flatMap((p) => {
    const f = channelFactoryOf[p];
    return f ? [f] : [];
  });
}

/** how a person calls each platform: the roster's and the people file's account columns are `${label}账号` */
export const platformLabels: Readonly<Record<string, string>> = { wecom: '企业微信', dingtalk: '钉钉' };
