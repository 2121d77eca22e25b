/**
 * The one code path behind both transports (HTTP callback and Stream): a robot message or a card click, already
 * authenticated and parsed, is handled once by its id across instances (a mark in the shared store, released when
 * handling fails so a redelivery is processed), in the background: the transport answers at once. Replies go to
 * the message's sessionWebhook while it is valid (DINGTALK.md §1: createAt + 90 min), otherwise through the API
 * (DINGTALK.md §0.3: never through the Stream socket, never in the HTTP answer).
 */
import type { InboundMessage, OutboundMessage, Recipient } from '../../bot/messages.js';
import type { ChannelDeps } from '../channel.js';
import { sleep } from './api-client.js';
import { RateLimited } from './errors.js';
import type { SessionRoute } from './inbound.js';
import { postJson } from './post-json.js';
import { webhookBodies } from './render.js';
import type { DingtalkSender } from './sender.js';

/** said when the bot failed after the delivery was acknowledged */
export const FALLBACK_TEXT = '抱歉，系统暂时繁忙，刚才的消息没有处理成功，请稍后再发一次。';

export interface ReceiveOptions {
  /** how long a message's mark is kept (Stream retries within 60 s; a signed HTTP pair replays for an hour) */
  dedupeTtlMs: number;
  /** a sessionWebhook this close to its expiry is not used */
  sessionMarginMs: number;
  rateLimitRetries: number;
}

export interface Receiver {
  /** false when this delivery was seen before (nothing started) */
  accept(msg: InboundMessage, session?: SessionRoute): Promise<boolean>;
}

export function createReceiver(
  deps: ChannelDeps,
  scope: string,
  sender: DingtalkSender,
  opts: ReceiveOptions,
): Receiver {
  const { log } = deps;

  /** POST to the sessionWebhook; false when it refused (then the API is used) */
  const viaSession = async (session: SessionRoute, body: Record<string, unknown>): Promise<boolean> => {
    try {
      const res = await postJson(session.url, body, 10_000);
      const answer = (res.json ?? {}) as { errcode?: number };
      if (res.status === 200 && (answer.errcode ?? 0) === 0) return true;
      log.warn(
        { status: res.status, errcode: answer.errcode },
        'dingtalk sessionWebhook refused the reply: using the API',
      );
    } catch (e) {
      log.warn({ err: e }, 'dingtalk sessionWebhook failed: using the API');
    }
    return false;
  };

  const viaApi = async (to: Recipient, reply: OutboundMessage) => {
    for (let attempt = 0; ; attempt++) {
      try {
        await sender.sendAs('reply', to, reply);
        return;
      } catch (e) {
        if (e instanceof RateLimited && attempt < opts.rateLimitRetries) {
          await sleep(e.retryAfterMs);
          continue;
        }
        log.error({ err: e, kind: reply.kind }, 'dingtalk reply could not be sent');
        return;
      }
    }
  };

  const reply = async (msg: InboundMessage, session: SessionRoute | undefined, replies: OutboundMessage[]) => {
    const to: Recipient = msg.chatId ? { chatId: msg.chatId } : { userIds: [msg.userId] };
    for (const r of replies) {
      const valid = session && session.expiresAt - opts.sessionMarginMs > deps.now().getTime();
      if (valid && (r.kind === 'text' || r.kind === 'markdown')) {
        let ok = true;
        for (const body of webhookBodies(r.kind, r.text, msg.chatId ? msg.userId : undefined)) {
          ok = await viaSession(session, body);
          if (!ok) break;
        }
        if (ok) continue;
      }
      await viaApi(to, r);
    }
  };

  return {
    async accept(msg, session) {
      const key = `dingtalk:seen:${scope}:${msg.dedupeKey}`;
      if (!(await deps.store.setIfAbsent(key, 'handling', opts.dedupeTtlMs))) {
        log.info({ kind: msg.kind }, 'dingtalk duplicate delivery acknowledged');
        return false;
      }
      deps.background.run('dingtalk message', async () => {
        let replies: OutboundMessage[];
        try {
          replies = await deps.handle(msg);
        } catch (err) {
          log.error({ err, kind: msg.kind }, 'dingtalk message handling failed: a redelivery will be handled');
          await deps.store.del(key);
          await reply(msg, session, [{ kind: 'text', text: FALLBACK_TEXT }]);
          return;
        }
        await deps.store.set(key, 'done', opts.dedupeTtlMs);
        await reply(msg, session, replies);
      });
      return true;
    },
  };
}
