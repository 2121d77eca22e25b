/**
 * HTTP mode (DINGTALK.md §1, §5.4):
 * - POST /dingtalk/callback: a robot message. The `timestamp` + `sign` headers are checked before anything else
 *   (https://open.dingtalk.com/document/orgapp/receive-message), then the robotCode (403 when not ours), then the
 *   body's shape. Answered at once with an empty 200; the message is handled in the background.
 * - POST /dingtalk/card-callback: a card button click at the URL registered for our callbackRouteKey, signed with
 *   x-ddpaas-signature over x-ddpaas-signature-timestamp (https://open.dingtalk.com/document/orgapp/event-callback-card).
 *   Handled at once: when the decision is taken within the budget (1.5 s of DingTalk's 2 s), the answer carries the
 *   clicked card's new cardData (DINGTALK.md §5.5), so every copy of that card shows it without an API call; the
 *   claim's other cards, or this one when the answer came too late, are redrawn by the queue through the card update
 *   API afterwards (the doc asks not to call the update API inside the callback).
 * Neither signature covers the body, so each signed pair is accepted with one body only (sign.ts usePairOnce): a
 * replay under a seen pair with another body is refused 401 and changes nothing; the same body again is the same
 * delivery and is answered by the pipeline's dedupe as before.
 */
import { createHash } from 'node:crypto';
import Router from '@koa/router';
import type { Context } from 'koa';
import getRawBody from 'raw-body';
import type { CardAnswer } from '../../core/messages.js';
import type { ChannelDeps } from '../channel.js';
import { settleLate } from '../pipeline.js';
import type { DingtalkCredentials } from './credentials.js';
import {
  CardCallbackSchema,
  cardClickInbound,
  InboundShapeError,
  RobotMessageSchema,
  robotInbound,
} from './inbound.js';
import type { Receiver } from './receive.js';
import { cardParamMap } from './render.js';
import { cardSignature, checkSigned, type PairUse, robotSign, usePairOnce } from './sign.js';

export const CALLBACK_PATH = '/dingtalk/callback';
export const CARD_CALLBACK_PATH = '/dingtalk/card-callback';
export const BODY_LIMIT_BYTES = 64 * 1024;

export interface CallbackContext {
  creds: DingtalkCredentials;
  receiver: Receiver;
  maxSkewMs: number;
  /** how long a click may take for its answer to carry the redrawn card (DingTalk waits 2 s for the answer) */
  clickAnswerBudgetMs?: number;
}

export function createCallbackRouter(deps: ChannelDeps, c: CallbackContext): Router {
  const { log } = deps;
  const router = new Router();

  /** 4xx with its reason (it names the check that failed, nothing of the request) */
  const refuse = (ctx: Context, status: 400 | 401 | 403 | 413, reason: string) => {
    log.warn({ status, reason, path: ctx.path }, 'dingtalk callback refused');
    ctx.status = status;
    const error =
      status === 401
        ? 'unauthorized'
        : status === 403
          ? 'forbidden'
          : status === 413
            ? 'payload too large'
            : 'bad request';
    ctx.body = { error, reason };
  };

  const readJson = async (
    ctx: Context,
  ): Promise<{ ok: true; raw: string; value: unknown } | { ok: false; status: 400 | 413; reason: string }> => {
    let raw: string;
    try {
      raw = await getRawBody(ctx.req, {
        limit: BODY_LIMIT_BYTES,
        encoding: 'utf8',
        length: ctx.get('content-length') || undefined,
      });
    } catch (e) {
      const status = (e as { status?: number }).status === 413 ? 413 : 400;
      return { ok: false, status, reason: `body: ${(e as { type?: string }).type ?? 'unreadable'}` };
    }
    try {
      return { ok: true, raw, value: JSON.parse(raw) };
    } catch {
      return { ok: false, status: 400, reason: 'body is not JSON' };
    }
  };

  /** 'unknown' when the shared store could not say: then nothing is handled, the sender is answered busy */
  const pairUse = async (kind: string, timestamp: string, sign: string, raw: string): Promise<PairUse | 'unknown'> => {
    try {
      const ttl = Number(timestamp) + c.maxSkewMs - deps.now().getTime() + 1_000;
      return await usePairOnce(deps.store, `dingtalk:pair:${kind}:${c.creds.robotCode}:${timestamp}:${sign}`, raw, ttl);
    } catch (e) {
      log.error({ err: e }, 'dingtalk signature replay check failed: the shared store is unavailable');
      return 'unknown';
    }
  };

  router.post(CALLBACK_PATH, async (ctx) => {
    const timestamp = ctx.get('timestamp');
    const sign = ctx.get('sign');
    const signed = checkSigned(
      (ts) => robotSign(c.creds.appSecret, ts),
      timestamp || undefined,
      sign || undefined,
      deps.now().getTime(),
      c.maxSkewMs,
    );
    if (!signed.ok) return refuse(ctx, 401, signed.reason);
    const body = await readJson(ctx);
    if (!body.ok) return refuse(ctx, body.status, body.reason);
    const use = await pairUse('robot', timestamp, sign, body.raw);
    if (use === 'other') return refuse(ctx, 401, 'signature already used with another body (replay)');
    const robotCode = (body.value as { robotCode?: unknown } | null)?.robotCode;
    if (robotCode !== c.creds.robotCode) return refuse(ctx, 403, 'unknown robotCode');
    const parsed = RobotMessageSchema.safeParse(body.value);
    if (!parsed.success)
      return refuse(ctx, 400, `message: ${parsed.error.issues[0]?.path.join('.')} ${parsed.error.issues[0]?.message}`);
    let inbound: ReturnType<typeof robotInbound>;
    try {
      inbound = robotInbound(parsed.data, deps.now(), c.receiver.fetchFile);
    } catch (e) {
      if (e instanceof InboundShapeError) return refuse(ctx, 400, e.message);
      throw e;
    }
    if (!inbound.ignore) {
      if (use === 'unknown') c.receiver.unavailable(inbound.msg, inbound.session);
      // journaled with its mark before the 200 leaves (the acknowledgement: DingTalk will not send it again)
      else await c.receiver.accept(inbound.msg, inbound.session);
    }
    ctx.status = 200;
    ctx.body = {};
  });

  router.post(CARD_CALLBACK_PATH, async (ctx) => {
    const timestamp = ctx.get('x-ddpaas-signature-timestamp');
    const signature = ctx.get('x-ddpaas-signature');
    const signed = checkSigned(
      (ts) => cardSignature(c.creds.cardApiSecret, ts),
      timestamp || undefined,
      signature || undefined,
      deps.now().getTime(),
      c.maxSkewMs,
    );
    if (!signed.ok) return refuse(ctx, 401, `card: ${signed.reason}`);
    const body = await readJson(ctx);
    if (!body.ok) return refuse(ctx, body.status, body.reason);
    const use = await pairUse('card', timestamp, signature, body.raw);
    if (use === 'other') return refuse(ctx, 401, 'card: signature already used with another body (replay)');
    const parsed = CardCallbackSchema.safeParse(body.value);
    if (!parsed.success)
      return refuse(ctx, 400, `card: ${parsed.error.issues[0]?.path.join('.')} ${parsed.error.issues[0]?.message}`);
    let click: ReturnType<typeof cardClickInbound>;
    try {
      // the signed timestamp and the body identify this delivery: a replay of the same request is handled once
      const id = createHash('sha256').update(`${timestamp}\n${body.raw}`).digest('hex').slice(0, 32);
      click = cardClickInbound(parsed.data, id, deps.now());
    } catch (e) {
      if (e instanceof InboundShapeError) return refuse(ctx, 400, e.message);
      throw e;
    }
    if (use === 'unknown') {
      c.receiver.unavailable(click);
      ctx.status = 200;
      ctx.body = {};
      return;
    }
    // the decision's answer carries the clicked card's new data, which is the card's shared data: every copy of
    // this card shows it at once (the queue redraws the claim's other cards)
    const answer = await c.receiver.acceptClick(click, c.clickAnswerBudgetMs ?? 1_500);
    ctx.status = 200;
    ctx.body = {};
    if (!answer) return;
    try {
      ctx.body = {
        cardData: { cardParamMap: cardParamMap(answer.card) },
        cardUpdateOptions: { updateCardDataByKey: true },
      };
    } catch (e) {
      // not drawable in the answer: settled as seen by nobody, so the queue redraws every copy (and the text follows)
      log.warn({ err: e }, 'clicked card not drawable in the callback answer: left to the queue');
      await settleLate(answer, log);
      return;
    }
    settleOnceSent(ctx, answer);
  });

  /** the card answer settled once DingTalk has the HTTP answer (late, when the connection dropped before) */
  const settleOnceSent = (ctx: Context, answer: CardAnswer) => {
    const sent = new Promise<boolean>((resolve) => {
      ctx.res.once('finish', () => resolve(true));
      ctx.res.once('close', () => resolve(ctx.res.writableFinished));
    });
    deps.background.run('dingtalk card answer', async () => {
      if (!(await sent)) return settleLate(answer, log);
      try {
        await answer.settle('all');
      } catch (e) {
        log.error({ err: e }, 'card answer not settled: the delivery sweep redraws the card');
      }
    });
  };

  return router;
}
