/**
 * The group custom robot (自定义机器人) webhook, kept only as a fallback (DINGTALK.md §6: DingTalk is retiring
 * custom group robots; announcements go through the app robot's group send). Used for a group that has a webhook
 * configured (DINGTALK_GROUP_WEBHOOKS) when the app robot cannot post there, or when the month's OpenAPI budget
 * holds group messages back. Signed as the robot doc says: timestamp + sign = urlEncode(Base64(HmacSHA256(secret,
 * timestamp + "\n" + secret))) in the query; 20 messages a minute per robot, beyond that DingTalk blocks it for 10
 * minutes, so the count is kept in the shared store and never exceeded.
 */
import { createHash } from 'node:crypto';
import type { Log } from '../../core/log.js';
import type { KeyValueStore } from '../../state/store.js';
import { DingtalkApiError, RateLimited } from './errors.js';
import { postJson } from './post-json.js';
import { webhookBodies } from './render.js';
import { robotSign } from './sign.js';

export const ROBOT_PER_MINUTE = 20;
/** 130101 "send too fast" (3p), 660026 "too many messages per minute" (PROBE P5): DingTalk blocks for 10 minutes */
const THROTTLED = new Set([130101, 660026]);

export interface GroupWebhook {
  /** https://oapi.dingtalk.com/robot/send?access_token=… */
  url: string;
  /** the robot's 加签 secret, SEC… */
  secret: string;
}

export class GroupRobots {
  constructor(
    private readonly webhooks: Record<string, GroupWebhook>,
    private readonly store: KeyValueStore,
    private readonly log: Log,
    private readonly now: () => Date,
  ) {}

  has(chatId: string): boolean {
    return chatId in this.webhooks;
  }

  /** text or markdown into the group through its webhook; throws RateLimited beyond 20 a minute */
  async send(chatId: string, kind: 'text' | 'markdown', text: string): Promise<void> {
    const hook = this.webhooks[chatId];
    if (!hook) throw new DingtalkApiError('/robot/send', 0, 'no-webhook', `no webhook configured for ${chatId}`);
    const id = createHash('sha256').update(hook.url).digest('hex').slice(0, 16);
    for (const body of webhookBodies(kind, text)) {
      const nowMs = this.now().getTime();
      const minute = Math.floor(nowMs / 60_000);
      const n = await this.store.incr(`dingtalk:robot:${id}:${minute}`, 120_000);
      if (n > ROBOT_PER_MINUTE)
        throw new RateLimited(
          '/robot/send',
          0,
          'local-minute-window',
          'kept under 20 a minute',
          (minute + 1) * 60_000 - nowMs,
        );
      const url = new URL(hook.url);
      const timestamp = String(nowMs);
      url.searchParams.set('timestamp', timestamp);
      url.searchParams.set('sign', robotSign(hook.secret, timestamp));
      const res = await postJson(url.toString(), body, 10_000);
      const answer = (res.json ?? {}) as { errcode?: number; errmsg?: string };
      const errcode = answer.errcode ?? (res.status === 200 ? 0 : -1);
      if (errcode === 0) continue;
      this.log.warn({ errcode }, 'dingtalk group webhook refused a message');
      if (THROTTLED.has(errcode))
        throw new RateLimited('/robot/send', res.status, String(errcode), answer.errmsg ?? '', 600_000);
      throw new DingtalkApiError('/robot/send', res.status, String(errcode), answer.errmsg ?? '');
    }
  }
}
