/**
 * GET/POST /wecom/callback (WECOM.md §1–§3). Order of checks: signature over token, timestamp, nonce and the
 * ciphertext before anything is decrypted; then the clock window, the plaintext's shape and its receiveid. The
 * message then goes through the receive pipeline (src/channels/pipeline.ts: once per delivery, in the user's
 * order, never silent) and is answered passively when the bot is quick, otherwise acknowledged at once and
 * answered through the API, so WeCom's 5-second timeout never loses a reply; when the messages already waiting for
 * the bot (admission.ts) will not be handled within the budget, it is acknowledged without waiting. A card click's answer carries the
 * clicked card redrawn for the clicker (passive update_template_card, passive-card.ts); its text follows via the API. When handling fails, or the shared
 * store is away, the busy text goes back passively with a 200: WeCom retries only on timeouts and network errors
 * (WECOM.md §1), so a 500 would leave the user with nothing; the delivery's mark is released, so a retry is
 * handled once.
 */
import { finished } from 'node:stream';
import Router from '@koa/router';
import type { Context } from 'koa';
import getRawBody from 'raw-body';
import type { CardAnswer, InboundMessage, OutboundMessage } from '../../core/messages.js';
import type { PlatformSender } from '../../core/outbox.js';
import type { Templates } from '../../core/templates.js';
import type { ChannelDeps } from '../channel.js';
import { createPipeline, type ReplyTransport, settleLate } from '../pipeline.js';
import type { WecomCredentials } from './credentials.js';
import { type WecomCrypto, WecomCryptoError } from './crypto.js';
import { MemberPaced, RateLimited } from './errors.js';
import { InboundShapeError, type MediaFetcher, toInbound } from './inbound.js';
import { passiveCardXml } from './passive-card.js';
import { APP_TEXT_MAX_BYTES, renderTemplateCard, splitUtf8 } from './render.js';
import { buildXml, parseXmlRoot, XmlError } from './xml.js';

export const CALLBACK_PATH = '/wecom/callback';
export const BODY_LIMIT_BYTES = 64 * 1024;
/*
 * The queue's budget (queueBudgetMs) defaults to the passive budget: measured under the load bench at 200 msg/s
 * (issue #17, one machine state, `LOAD_QUEUE_BUDGET_MS`), acknowledging at once past 250 ms brought the HTTP
 * answer's p50/p99 from 435/3 088 ms to 23/893 ms, but sent 5 800 of 6 090 replies through the API instead of 2 800:
 * the user's reply was no sooner (p50 1 970 → 3 762 ms, p99 5 738 → 5 999 ms), each API reply costs more CPU than a
 * passive one and counts against the app's message quota, and WeCom only needs its answer within 5 s.
 */

export interface CallbackOptions {
  /** how long the bot may take before the reply goes through the API instead of the HTTP answer */
  passiveBudgetMs: number;
  /**
   * how long the messages already waiting for the bot may take before a callback is acknowledged at once, without
   * waiting for a passive answer (default and at most passiveBudgetMs; see above why not less)
   */
  queueBudgetMs?: number;
  /** how long a delivery's mark is kept (WeCom retries within seconds; replays are refused for this long) */
  dedupeTtlMs: number;
  /** a rate-limited background send waits the window out at most this often before giving up */
  rateLimitRetries: number;
  /** the reply texts (default: the app's templates/) */
  templates?: Templates;
  /** media/get for the files users send (file messages are `unsupported` without it) */
  fetchMedia?: MediaFetcher;
  /** where a text_notice card leads (a card redrawn in a passive answer is rendered as the sender renders it) */
  publicUrl?: string;
  /** how a reply waits for its member's message/send window (default: a timer; a test advances its clock) */
  pacingSleep?: (ms: number) => Promise<void>;
}

interface Refusal {
  status: 400 | 401 | 413;
  reason: string;
}

const refuse = (status: Refusal['status'], reason: string): Refusal => ({ status, reason });

export function createCallbackRouter(
  deps: ChannelDeps,
  creds: WecomCredentials,
  crypto: WecomCrypto,
  sender: PlatformSender,
  opts: CallbackOptions,
): Router {
  const { log } = deps;
  const router = new Router();

  const param = (ctx: Context, name: string): string | undefined => {
    const v = ctx.query[name];
    return typeof v === 'string' && v !== '' ? v : undefined;
  };

  /** signature first, then the clock window, then decryption with its receiveid check */
  const open = (
    signature: string | undefined,
    timestamp: string | undefined,
    nonce: string | undefined,
    ciphertext: string,
  ): string | Refusal => {
    if (!signature || !timestamp || !nonce) return refuse(401, 'missing msg_signature/timestamp/nonce');
    if (!crypto.verify(signature, timestamp, nonce, ciphertext)) return refuse(401, 'signature mismatch');
    const skewS = Math.abs(deps.now().getTime() / 1000 - Number(timestamp));
    if (!/^\d{1,12}$/.test(timestamp) || skewS > deps.config.WECOM_MAX_CLOCK_SKEW_S)
      return refuse(401, `timestamp outside the ${deps.config.WECOM_MAX_CLOCK_SKEW_S} s window`);
    try {
      return crypto.decrypt(ciphertext);
    } catch (e) {
      if (e instanceof WecomCryptoError) return refuse(e.reason === 'wrong_receiveid' ? 401 : 400, e.reason);
      throw e;
    }
  };

  const answerRefusal = (ctx: Context, r: Refusal) => {
    log.warn({ status: r.status, reason: r.reason, method: ctx.method }, 'wecom callback refused');
    ctx.status = r.status;
    ctx.body = r.status === 413 ? 'payload too large' : r.status === 400 ? 'bad request' : 'unauthorized';
  };

  router.get(CALLBACK_PATH, async (ctx) => {
    const echostr = param(ctx, 'echostr');
    if (!echostr) return answerRefusal(ctx, refuse(401, 'missing echostr'));
    const plain = open(param(ctx, 'msg_signature'), param(ctx, 'timestamp'), param(ctx, 'nonce'), echostr);
    if (typeof plain !== 'string') return answerRefusal(ctx, plain);
    ctx.type = 'text/plain';
    ctx.body = plain;
  });

  router.post(CALLBACK_PATH, async (ctx) => {
    const signature = param(ctx, 'msg_signature');
    const timestamp = param(ctx, 'timestamp');
    const nonce = param(ctx, 'nonce');
    if (!signature || !timestamp || !nonce)
      return answerRefusal(ctx, refuse(401, 'missing msg_signature/timestamp/nonce'));
    let raw: string;
    try {
      raw = await getRawBody(ctx.req, {
        limit: BODY_LIMIT_BYTES,
        encoding: 'utf8',
        length: ctx.get('content-length') || undefined,
      });
    } catch (e) {
      const status = (e as { status?: number }).status;
      return answerRefusal(
        ctx,
        refuse(status === 413 ? 413 : 400, `body: ${(e as { type?: string }).type ?? 'unreadable'}`),
      );
    }
    let outer: Record<string, unknown>;
    try {
      outer = parseXmlRoot(raw);
    } catch (e) {
      return answerRefusal(ctx, refuse(400, `envelope: ${(e as Error).message.slice(0, 100)}`));
    }
    if (typeof outer.Encrypt !== 'string' || outer.Encrypt === '')
      return answerRefusal(ctx, refuse(400, 'envelope without Encrypt'));
    const plain = open(signature, timestamp, nonce, outer.Encrypt);
    if (typeof plain !== 'string') return answerRefusal(ctx, plain);
    let msg: InboundMessage;
    try {
      msg = toInbound(parseXmlRoot(plain), deps.now(), opts.fetchMedia);
    } catch (e) {
      if (e instanceof XmlError || e instanceof InboundShapeError)
        return answerRefusal(ctx, refuse(400, `message: ${e.message.slice(0, 100)}`));
      throw e;
    }
    await dispatch(ctx, msg);
  });

  const queueBudgetMs = Math.min(opts.passiveBudgetMs, opts.queueBudgetMs ?? opts.passiveBudgetMs);
  const pipeline = createPipeline(deps, {
    markPrefix: `wecom:seen:${creds.corpId}`,
    dedupeTtlMs: opts.dedupeTtlMs,
    rateLimitRetries: opts.rateLimitRetries,
    ...(opts.templates ? { templates: opts.templates } : {}),
    // a message taken over after a crash is answered through the API (its callback was answered long ago)
    replayTransport: (msg) => api(msg.userId),
  });

  const pacingSleep = opts.pacingSleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  /**
   * WeCom's reply transport after the HTTP answer: message/send to the sender. A member's full window (an officer
   * clicking through many cards: each click's text comes this way) is waited out by the sender; a longer one (the
   * hour's) here, however often: its slot frees within the window, and WeCom would drop the reply silently.
   */
  const api = (userId: string): ReplyTransport => ({
    send: async (reply) => {
      for (;;) {
        try {
          return await sender.send({ userIds: [userId] }, reply);
        } catch (e) {
          if (!(e instanceof MemberPaced)) throw e;
          log.info({ waitMs: e.retryAfterMs }, 'wecom reply waits for the member’s message/send window');
          await pacingSleep(e.retryAfterMs);
        }
      }
    },
    retryAfterMs: (e) => (e instanceof RateLimited ? e.retryAfterMs : undefined),
    // the API client reads the store (rate-limit block, token) before it calls WeCom: a store failure sent nothing
    // (but for a long text sent in parts, whose earlier parts go again when the store went away between them)
    retriesWhileStoreAway: true,
  });

  const dispatch = async (ctx: Context, msg: InboundMessage) => {
    // overloaded (the messages ahead will not be handled within the queue's budget): acknowledged at once and
    // answered through the API, so the request holds no connection for nothing
    const budgetMs = pipeline.expectedWaitMs() >= queueBudgetMs ? 0 : opts.passiveBudgetMs;
    // journaled with its mark (src/state/inbound-journal.ts) before any answer, the empty acknowledgement included
    const { outcome: handling } = await pipeline.admit(msg);
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => {
      timer = setTimeout(() => resolve('late'), budgetMs);
    });
    // one decision, taken once: either this request answers, or the background does; never both
    const first = await Promise.race([handling, late]);
    clearTimeout(timer);
    ctx.status = 200;
    ctx.body = '';

    if (first === 'late') {
      deps.background.run('wecom late reply', async () => {
        const r = await handling;
        if (r.kind !== 'duplicate') await pipeline.deliver(api(msg.userId), r.replies);
        // its journal entry goes once the replies are out
        await pipeline.sent(r);
      });
      return;
    }
    if (first.kind === 'duplicate') return;

    // handled, or answered busy (the mark released, so a retry is handled): the first text goes back passively,
    // or for a click the clicked card redrawn (only the clicker's copy: the queue redraws the others)
    let rest = first.replies;
    const head = rest[0];
    let cardSettled: Promise<void> | undefined;
    if (head?.kind === 'card_answer' && msg.kind === 'card_click') {
      rest = rest.slice(1);
      const answer = passiveCard(msg.userId, head);
      if (answer) {
        ctx.type = 'application/xml';
        ctx.body = answer;
        cardSettled = settleOnceSent(ctx, head, { userIds: [msg.userId] });
      } else await settleLate(head, log);
    } else if (head?.kind === 'text') {
      const [passive, ...more] = splitUtf8(head.text, APP_TEXT_MAX_BYTES);
      rest = [...more.map((text): OutboundMessage => ({ kind: 'text', text })), ...rest.slice(1)];
      ctx.type = 'application/xml';
      ctx.body = passiveReply(msg.userId, passive ?? '');
    }
    // after the passive answer has left, so the user reads the replies in order; then the journal entry goes
    // (finished, not a 'close' listener: when WeCom gave up waiting, the response closed already and 'close' never
    // comes again, which held this task, shutdown and the journal entry for ever)
    const sent = new Promise<void>((resolve) => finished(ctx.res, () => resolve()));
    deps.background.run('wecom follow-up replies', async () => {
      await sent;
      // a click's text (已批准补助申请 #n) follows its card's settling, which waits for a burst of clicks to be
      // answered (bot/flows/click-first.ts): the officer already sees the decision on the card, and the text's API
      // call would take the thread from the clicks still waiting (issue #14)
      if (cardSettled) await cardSettled;
      if (rest.length) await pipeline.deliver(api(msg.userId), rest);
      await pipeline.sent(first);
    });
  };

  /** the card answer settled once WeCom has the HTTP answer (null when the connection dropped before) */
  const settleOnceSent = (ctx: Context, answer: CardAnswer, answered: { userIds: string[] }): Promise<void> => {
    const sent = new Promise<boolean>((resolve) => {
      ctx.res.once('finish', () => resolve(true));
      ctx.res.once('close', () => resolve(ctx.res.writableFinished));
    });
    let resolve = () => {};
    const settled = new Promise<void>((r) => {
      resolve = r;
    });
    deps.background.run('wecom card answer', async () => {
      try {
        if (await sent)
          try {
            await answer.settle(answered);
          } catch (e) {
            log.error({ err: e }, 'card answer not settled: the delivery sweep redraws the card');
          }
        else await settleLate(answer, log);
      } finally {
        resolve();
      }
    });
    return settled;
  };

  /** the sealed passive update of the clicker's card; null when the card cannot be drawn (then the queue does) */
  const passiveCard = (userId: string, answer: CardAnswer): string | null => {
    let card: Record<string, unknown>;
    try {
      card = renderTemplateCard(answer.card, opts.publicUrl ? { publicUrl: opts.publicUrl } : {});
    } catch (e) {
      log.warn({ err: e }, 'clicked card not drawable in a passive answer: left to the queue');
      return null;
    }
    const timestamp = String(Math.floor(deps.now().getTime() / 1000));
    const inner = passiveCardXml(
      { ToUserName: userId, FromUserName: creds.corpId, CreateTime: Number(timestamp) },
      card,
    );
    return seal(inner, timestamp);
  };

  const seal = (inner: string, timestamp: string): string => {
    const env = crypto.seal(inner, timestamp);
    return buildXml({
      Encrypt: env.encrypt,
      MsgSignature: env.signature,
      TimeStamp: Number(env.timestamp),
      Nonce: env.nonce,
    });
  };

  const passiveReply = (userId: string, text: string): string => {
    const now = deps.now();
    const timestamp = String(Math.floor(now.getTime() / 1000));
    const inner = buildXml({
      ToUserName: userId,
      FromUserName: creds.corpId,
      CreateTime: Number(timestamp),
      MsgType: 'text',
      Content: text,
    });
    return seal(inner, timestamp);
  };

  return router;
}
