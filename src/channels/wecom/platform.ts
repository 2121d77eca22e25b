/** WeCom (企业微信) as the rest of the app sees it: src/channels/descriptor.ts. Imports nothing but zod. */
import { z } from 'zod';
import type { RateLimit } from '../../core/platform-limits.js';
import type { PlatformDescriptor } from '../descriptor.js';

const nonEmpty = z.string().trim().min(1).optional();

const env = z.object({
  WECOM_CORP_ID: nonEmpty,
  WECOM_TOKEN: nonEmpty,
  WECOM_ENCODING_AES_KEY: z
    .string()
    .regex(/^[A-Za-z0-9]{43}$/, 'must be the 43-character EncodingAESKey from the WeCom admin console')
    .optional(),
  WECOM_AGENT_ID: z.coerce.number().int().positive().optional(),
  WECOM_SECRET: nonEmpty,
  WECOM_API_BASE: z.url({ message: 'must be a URL such as http://127.0.0.1:8080' }).optional(),
  /** a callback whose timestamp is further than this from our clock is refused (WeCom documents no window) */
  WECOM_MAX_CLOCK_SKEW_S: z.coerce.number().int().positive().default(300),
  /**
   * message/send to one member a minute, instead of WeCom's documented 30 (limits.perMember below). Only for a
   * test or benchmark against the local WeCom server, which then takes as many; refused in production, where
   * WeCom drops what exceeds 30 without a word.
   */
  WECOM_MEMBER_PER_MINUTE: z.coerce.number().int().positive().optional(),
});

/**
 * message/send to one member: at most 30 a minute and 1000 an hour, "the excess is dropped silently", no error
 * (doc 90454 访问频率限制, the twin of doc 90312; WECOM.md §6). The sender takes these slots at every message/send
 * (the bot's direct replies too), the job queue waits for them (src/jobs/pace.ts).
 */
const PER_MEMBER: readonly RateLimit[] = [
  { limit: 30, windowMs: 60_000 },
  { limit: 1000, windowMs: 3_600_000 },
];

/**
 * WeCom's windows for one member; WECOM_MEMBER_PER_MINUTE (tests only) replaces the minute's 30 and scales every
 * window by the same factor, so a test that raises the minute is not stopped by the hour instead
 */
export function memberLimitsFor(config: Record<string, unknown>): readonly RateLimit[] {
  const perMinute = config.WECOM_MEMBER_PER_MINUTE;
  if (typeof perMinute !== 'number') return PER_MEMBER;
  const minute = PER_MEMBER.find((l) => l.windowMs === 60_000)?.limit ?? perMinute;
  return PER_MEMBER.map((l) => ({ ...l, limit: Math.ceil((l.limit * perMinute) / minute) }));
}

const LIMITS = {
  perPlatform: { limit: 3000, windowMs: 60_000 },
  perRobot: { limit: 20, windowMs: 60_000 },
  perMember: PER_MEMBER,
  textBytes: 2048,
};

export const wecomPlatform = {
  name: 'wecom',
  label: '企业微信',
  env,
  credentials: {
    required: ['WECOM_CORP_ID', 'WECOM_TOKEN', 'WECOM_ENCODING_AES_KEY', 'WECOM_AGENT_ID', 'WECOM_SECRET'],
    optional: [],
  },
  // /work/shared/platforms: app messages 3000 a minute; a group robot 20 a minute (doc 91770, 45009 beyond); app
  // markdown is cut at 2048 bytes (robot 4096: we keep to the smaller)
  limits: LIMITS,
  limitsFor: (config: Record<string, unknown>) => ({ ...LIMITS, perMember: memberLimitsFor(config) }),
  // update_template_card takes the response code of the send or of the click, each good once
  cardUpdateNeedsCode: true,
  monthlyApiQuota: false,
} as const satisfies PlatformDescriptor;
