/**
 * Every platform the app speaks. A new platform is a new folder here and one line in each list (and its settings
 * schema in ./settings.ts when it has any).
 */
import type { ChannelFactory } from './channel.js';
import { createDingtalkChannel } from './dingtalk/index.js';
import { createWecomChannel } from './wecom/index.js';

export const channelFactories: ChannelFactory[] = [createWecomChannel, createDingtalkChannel];

/** the platforms' names, for data that is keyed by platform (chat identities, group chats) */
export const platformNames: readonly string[] = ['wecom', 'dingtalk'];

/** how a person calls each platform: the roster's and the people file's account columns are `${label}账号` */
export const platformLabels: Readonly<Record<string, string>> = { wecom: '企业微信', dingtalk: '钉钉' };
