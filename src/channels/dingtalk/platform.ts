/** DingTalk (钉钉) as the rest of the app sees it: src/channels/descriptor.ts. Imports nothing but zod. */
import { z } from 'zod';
import type { PlatformDescriptor } from '../descriptor.js';
import { DingtalkSettingsSchema } from './settings.js';

const nonEmpty = z.string().trim().min(1).optional();
const optionalUrl = z.url({ message: 'must be a URL such as http://127.0.0.1:8080' }).optional();

const env = z.object({
  DINGTALK_APP_KEY: nonEmpty,
  DINGTALK_APP_SECRET: nonEmpty,
  DINGTALK_ROBOT_CODE: nonEmpty,
  DINGTALK_API_BASE: optionalUrl,
  DINGTALK_OAPI_BASE: optionalUrl,
});

export const dingtalkPlatform = {
  name: 'dingtalk',
  label: '钉钉',
  env,
  credentials: { required: ['DINGTALK_APP_KEY', 'DINGTALK_APP_SECRET'], optional: ['DINGTALK_ROBOT_CODE'] },
  settings: DingtalkSettingsSchema,
  // /work/shared/platforms: 20 QPS per app and API; 20 messages a minute per robot. No per-member limit: DINGTALK.md
  // documents none (batchSend answers a flowControlledStaffIdList, with no number behind it), so none is invented;
  // the staff ids it names are not delivered and are retried alone by the queue (./batch-send.ts, src/jobs/send.ts)
  limits: {
    perPlatform: { limit: 20, windowMs: 1_000 },
    perRobot: { limit: 20, windowMs: 60_000 },
    textBytes: 4000,
  },
  // a card instance is updated by its outTrackId, any number of times
  cardUpdateNeedsCode: false,
  // the free tier's OpenAPI calls a month (DINGTALK_QUOTA_MONTHLY)
  monthlyApiQuota: true,
} as const satisfies PlatformDescriptor;
