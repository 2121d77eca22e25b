/**
 * Every platform the app speaks. A new platform is a new folder here and one line in this list.
 */
import type { ChannelFactory } from './channel.js';

export const channelFactories: ChannelFactory[] = [];

/** the platforms' names, for data that is keyed by platform (chat identities, group chats) */
export const platformNames: readonly string[] = [];
