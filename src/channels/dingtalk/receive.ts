/**
 * DingTalk's side of the receive pipeline (src/channels/pipeline.ts), behind both transports (HTTP callback and
 * Stream): a robot message or a card click, already authenticated and parsed, is handed to the pipeline in the
 * background (the transport answers at once) with DingTalk's reply transport: the message's sessionWebhook while
 * it is valid (DINGTALK.md §1: createAt + 90 min), otherwise the API (DINGTALK.md §0.3: never through the Stream
 * socket, never in the HTTP answer).
 *
 * The sessionWebhook is a URL the callback body names, and the body is not covered by the signature (§1): it is
 * used only when it points at DingTalk's own host (the host of DINGTALK_OAPI_BASE; https in production). Anything
 * else (another host, a loopback address, file:, http: in production) is never connected to: the reply goes
 * through the API instead, and the refusal is logged with its reason only (the URL may carry anything).
 */
import type { CardAnswer, InboundMessage, OutboundMessage, Recipient } from '../../core/messages.js';
import type { Templates } from '../../core/templates.js';
import { RecipientsUndelivered } from '../../core/undelivered.js';
import type { ChannelDeps } from '../channel.js';
import { createPipeline, type ReplyTransport } from '../pipeline.js';
import { RateLimited } from './errors.js';
import type { FileFetcher, SessionRoute } from './inbound.js';
import { postJson } from './post-json.js';
import { webhookBodies } from './render.js';
import type { DingtalkSender } from './sender.js';

export interface ReceiveOptions {
  /** how long a message's mark is kept (Stream retries within 60 s; a signed HTTP pair replays for an hour) */
  dedupeTtlMs: number;
  /** a sessionWebhook this close to its expiry is not used */
  sessionMarginMs: number;
  rateLimitRetries: number;
  /** a reply DingTalk flow-controlled (batchSend's flowControlledStaffIdList) is sent again after this long */
  flowControlRetryMs: number;
  /** DINGTALK_OAPI_BASE: a sessionWebhook must be on its host */
  oapiBase: string;
  /** NODE_ENV=production: a sessionWebhook must also be https */
  requireHttps: boolean;
  templates?: Templates;
  /** downloads the files users send (file messages are `unsupported` without it) */
  fetchFile?: FileFetcher;
}

export interface Receiver {
  /** how the transports' parsed file messages fetch their bytes */
  fetchFile?: FileFetcher;
  /**
   * Hands the message to the pipeline, which goes on in the background; resolves once it is journaled with its
   * delivery mark (src/state/inbound-journal.ts), so the transport acknowledges only what a crash cannot lose.
   */
  accept(msg: InboundMessage, session?: SessionRoute): Promise<void>;
  /** answers busy without handling (the delivery could not be checked); in the background */
  unavailable(msg: InboundMessage, session?: SessionRoute): void;
  /**
   * A card click whose HTTP answer may carry the clicked card (DINGTALK.md §5.5: the callback's answer updates the
   * card): handled now, and when its first reply is the card redrawn within `budgetMs`, that reply is returned for
   * the answer; every other reply goes as usual in the background. Late, it all goes as `accept` does, and null.
   */
  acceptClick(msg: InboundMessage, budgetMs: number): Promise<CardAnswer | null>;
}

export type SessionCheck = { ok: true } | { ok: false; reason: 'unparseable' | 'protocol' | 'host' };

/** Whether a sessionWebhook may be connected to: DingTalk's host only, https when required. */
export function checkSessionWebhook(url: string, oapiBase: string, requireHttps: boolean): SessionCheck {
  let u: URL;
  let base: URL;
  try {
    u = new URL(url);
    base = new URL(oapiBase);
  } catch {
    return { ok: false, reason: 'unparseable' };
  }
  const allowed = requireHttps ? ['https:'] : ['https:', 'http:'];
  if (!allowed.includes(u.protocol)) return { ok: false, reason: 'protocol' };
  // host includes the port: https://oapi.dingtalk.com (443) is not https://oapi.dingtalk.com:8443
  if (u.host !== base.host || u.username || u.password) return { ok: false, reason: 'host' };
  return { ok: true };
}

export function createReceiver(
  deps: ChannelDeps,
  scope: string,
  sender: DingtalkSender,
  opts: ReceiveOptions,
): Receiver {
  const { log } = deps;
  const pipeline = createPipeline(deps, {
    markPrefix: `dingtalk:seen:${scope}`,
    dedupeTtlMs: opts.dedupeTtlMs,
    rateLimitRetries: opts.rateLimitRetries,
    // in the background (the HTTP answer has left): a user's next message may wait for their previous replies
    orderWaitMs: 60_000,
    ...(opts.templates ? { templates: opts.templates } : {}),
    // a message taken over after a crash: the API (its sessionWebhook is not kept)
    replayTransport: (msg) => transport(msg, undefined),
  });

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

  /** the session, when it may be used at all */
  const trusted = (session: SessionRoute | undefined): SessionRoute | undefined => {
    if (!session) return undefined;
    const check = checkSessionWebhook(session.url, opts.oapiBase, opts.requireHttps);
    if (check.ok) return session;
    log.warn({ reason: check.reason }, 'dingtalk sessionWebhook not on DingTalk’s host: refused, using the API');
    return undefined;
  };

  const transport = (msg: InboundMessage, given: SessionRoute | undefined): ReplyTransport => {
    const session = trusted(given);
    const to: Recipient = msg.chatId ? { chatId: msg.chatId } : { userIds: [msg.userId] };
    return {
      // every store read and write of an API send comes before DingTalk's call (the quota's checks and its count,
      // the token): a send the store's absence failed sent nothing, and is tried again once Redis is back rather
      // than given up (a busy text in an outage was silence). As on WeCom, a long text in parts whose first went by
      // the sessionWebhook may have that part again.
      retriesWhileStoreAway: true,
      // a throttled reply is tried again like a rate-limited one (the pipeline's rateLimitRetries), never dropped
      // unsaid; an invalid staff id is not
      retryAfterMs: (e) =>
        e instanceof RateLimited
          ? e.retryAfterMs
          : e instanceof RecipientsUndelivered && e.outcome.throttled.length
            ? opts.flowControlRetryMs
            : undefined,
      async send(r: OutboundMessage) {
        const valid = session && session.expiresAt - opts.sessionMarginMs > deps.now().getTime();
        if (valid && (r.kind === 'text' || r.kind === 'markdown')) {
          let ok = true;
          for (const body of webhookBodies(r.kind, r.text, msg.chatId ? msg.userId : undefined)) {
            ok = await viaSession(session, body);
            if (!ok) break;
          }
          if (ok) return undefined;
        }
        return sender.sendAs('reply', to, r);
      },
    };
  };

  return {
    ...(opts.fetchFile ? { fetchFile: opts.fetchFile } : {}),
    async accept(msg, session) {
      const { outcome } = await pipeline.admit(msg, transport(msg, session));
      deps.background.run('dingtalk message', async () => {
        await outcome;
      });
    },
    unavailable(msg, session) {
      deps.background.run('dingtalk busy answer', async () => {
        await pipeline.deliver(transport(msg, session), pipeline.busy());
      });
    },
    async acceptClick(msg, budgetMs) {
      // journaled with its mark before the answer can leave (a late click is answered without its card)
      const { outcome: handling } = await pipeline.admit(msg);
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<'late'>((resolve) => {
        timer = setTimeout(() => resolve('late'), budgetMs);
      });
      // one decision, taken once: the answer carries the card, or the queue redraws it; never both
      const first = await Promise.race([handling, late]);
      clearTimeout(timer);
      const to = transport(msg, undefined);
      if (first === 'late') {
        deps.background.run('dingtalk late click', async () => {
          const r = await handling;
          if (r.kind !== 'duplicate') await pipeline.deliver(to, r.replies);
          await pipeline.sent(r);
        });
        return null;
      }
      if (first.kind === 'duplicate') return null;
      const [head, ...rest] = first.replies;
      const clicked = head?.kind === 'card_answer' ? head : null;
      const others = clicked ? rest : first.replies;
      // the click's text (已批准补助申请 #n) follows the card's settling, as on WeCom: settling waits for a burst of
      // clicks to be answered (bot/flows/click-first.ts), and the text's API call would take the thread from them
      let settled = () => {};
      const settling = new Promise<void>((resolve) => {
        settled = resolve;
      });
      const answer: CardAnswer | null = clicked && {
        ...clicked,
        async settle(answered) {
          try {
            await clicked.settle(answered);
          } finally {
            settled();
          }
        },
      };
      deps.background.run('dingtalk click replies', async () => {
        if (answer) await settling;
        if (others.length) await pipeline.deliver(to, others);
        await pipeline.sent(first);
      });
      return answer;
    },
  };
}
