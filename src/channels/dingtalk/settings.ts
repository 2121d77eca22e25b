/**
 * The DingTalk settings beyond src/config.ts's DINGTALK_APP_KEY/SECRET/ROBOT_CODE/API_BASE/OAPI_BASE. Read from
 * the parsed config object (the lead adds these variables to ConfigSchema; until then the defaults apply) and
 * checked by zod here, so a bad value names the variable.
 */
import { z } from 'zod';

const csv = z
  .string()
  .optional()
  .transform((v) =>
    (v ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  );

/** what the sender may hold back as the month's budget runs low, first to give way first */
export const QUOTA_CLASSES = ['personal', 'group', 'card', 'reply'] as const;
export type QuotaClass = (typeof QUOTA_CLASSES)[number];

export const DingtalkSettingsSchema = z.object({
  /** stream (DingTalk's recommended mode: no public URL) or http (POST /dingtalk/callback); default: stream when
   * credentials are configured, http against the local server */
  DINGTALK_MODE: z.enum(['stream', 'http']).optional(),
  /** the organisation whose monthly OpenAPI quota is counted; default the app key */
  DINGTALK_CORP_ID: z.string().trim().min(1).optional(),
  /** the published card-platform template of the approval card (templates/dingtalk/README) */
  DINGTALK_CARD_TEMPLATE_ID: z.string().trim().min(1).optional(),
  DINGTALK_CARD_ROUTE_KEY: z.string().trim().min(1).default('huzhu_approval'),
  /** the apiSecret registered with the card callback route; default the app secret */
  DINGTALK_CARD_API_SECRET: z.string().trim().min(1).optional(),
  /** OpenAPI calls an organisation may make a month (free tier: 5 000, token calls exempt) */
  DINGTALK_QUOTA_MONTHLY: z.coerce.number().int().positive().default(5_000),
  /** calls kept for what matters most: below this many left, the classes of DINGTALK_QUOTA_GIVE_WAY are held */
  DINGTALK_QUOTA_RESERVE: z.coerce.number().int().min(0).default(300),
  /** comma list, first gives way first: personal (rep lines to users), group (tables, announcements), card, reply */
  DINGTALK_QUOTA_GIVE_WAY: csv.pipe(z.array(z.enum(QUOTA_CLASSES))).default(['personal', 'group']),
  /** staff userIds told (once a month) when the quota is exhausted */
  DINGTALK_ADMIN_USER_IDS: csv,
  /** group custom robots kept as a fallback: JSON {"<openConversationId>": {"url": "https://oapi.dingtalk.com/robot/send?access_token=…", "secret": "SEC…"}} */
  DINGTALK_GROUP_WEBHOOKS: z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (!v) return {};
      try {
        return JSON.parse(v) as unknown;
      } catch {
        ctx.addIssue({ code: 'custom', message: 'must be JSON' });
        return z.NEVER;
      }
    })
    .pipe(
      z.record(
        z.string(),
        z.object({ url: z.url(), secret: z.string().regex(/^SEC\w+$/, 'the 加签 secret starts with SEC') }),
      ),
    ),
  /** a robot callback whose timestamp is further than this from our clock is refused (DingTalk: 1 hour) */
  DINGTALK_MAX_CLOCK_SKEW_MS: z.coerce.number().int().positive().default(3_600_000),
});

export type DingtalkSettings = z.infer<typeof DingtalkSettingsSchema>;

export class DingtalkSettingsError extends Error {}

export function readSettings(
  config: object,
  overrides: Partial<Record<keyof DingtalkSettings, unknown>> = {},
): DingtalkSettings {
  const source = Object.fromEntries(
    Object.entries({ ...config, ...overrides }).filter(
      ([k, v]) => k.startsWith('DINGTALK_') && v !== undefined && v !== '',
    ),
  );
  const r = DingtalkSettingsSchema.safeParse(source);
  if (r.success) return r.data;
  throw new DingtalkSettingsError(
    `invalid configuration:\n${r.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`).join('\n')}`,
  );
}
