/**
 * Settings a channel reads beyond the common ones: src/config.ts validates them at start, so a bad value stops the
 * process naming the variable. (Each schema module imports nothing but zod.)
 *
 * Which variables make a platform configured: a platform runs when all its `required` credentials are set, and
 * not at all when none of `required` and `optional` is set; anything in between stops the process naming what is
 * missing (src/config.ts).
 */
import type { z } from 'zod';
import { DingtalkSettingsSchema } from './dingtalk/settings.js';

export const channelSettingsSchemas: z.ZodObject[] = [DingtalkSettingsSchema];

export interface PlatformCredentialKeys {
  platform: string;
  required: readonly string[];
  /** meaningful only with the required ones (set alone, they are a partial configuration) */
  optional: readonly string[];
}

export const platformCredentialKeys: readonly PlatformCredentialKeys[] = [
  {
    platform: 'wecom',
    required: ['WECOM_CORP_ID', 'WECOM_TOKEN', 'WECOM_ENCODING_AES_KEY', 'WECOM_AGENT_ID', 'WECOM_SECRET'],
    optional: [],
  },
  { platform: 'dingtalk', required: ['DINGTALK_APP_KEY', 'DINGTALK_APP_SECRET'], optional: ['DINGTALK_ROBOT_CODE'] },
];
