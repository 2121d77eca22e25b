/**
 * Every platform the app speaks. A new platform is a new folder here and one line in each list.
 */
import type { ChannelFactory } from './channel.js';
import { createWecomChannel } from './wecom/index.js';

export const channelFactories: ChannelFactory[] = [createWecomChannel];

/** the platforms' names, for data that is keyed by platform (chat identities, group chats) */
export const platformNames: readonly string[] = ['wecom'];
