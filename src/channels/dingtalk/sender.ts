/**
 * PlatformSender over the robot and card APIs (DINGTALK.md §4–§5): one-to-one batch send in calls of at most 20
 * userIds, group send by openConversationId, images uploaded first (oapi media/upload), approval cards through
 * /v1.0/card/instances/createAndDeliver with outTrackId = Card.id (./card-delivery.ts: the spaces DingTalk did not
 * reach are retried alone) and updated with PUT /v1.0/card/instances.
 * The monthly quota decides first: a message whose class gives way, or any message once the month is exhausted,
 * is held in the store (nothing is lost) and sent in order when the budget allows again.
 * A one-to-one send that DingTalk took but did not deliver to everyone (flow-controlled or invalid staff ids in
 * batchSend's answer, ./batch-send.ts) throws RecipientsUndelivered after it: the job queue retries the throttled
 * recipients alone (src/jobs/send.ts), a held message is held again for them alone.
 */

import type { Log } from '../../core/log.js';
import type { Card, OutboundMessage, Recipient } from '../../core/messages.js';
import type { PlatformSender, SentRef } from '../../core/outbox.js';
import { RecipientsUndelivered } from '../../core/undelivered.js';
import type { DingtalkApi } from './api-client.js';
import { batchSendAll } from './batch-send.js';
import { type CardOptions, deliverCard as deliverCardTo } from './card-delivery.js';
import { DingtalkApiError, DingtalkInputError, QuotaExhausted, RateLimited } from './errors.js';
import type { HeldItem } from './quota.js';
import { cardParamMap, fileMsg, imageMsg, markdownMsgs, type RobotMsg, textMsgs } from './render.js';
import type { GroupRobots } from './robot.js';
import type { QuotaClass } from './settings.js';

export type { CardOptions } from './card-delivery.js';

type CardRef = { cardId: string; responseCode?: string; userIds?: string[] };

export interface DingtalkSender extends PlatformSender {
  /** like send, with the quota class given (replies that must use the API) */
  sendAs(cls: QuotaClass, to: Recipient, msg: OutboundMessage): Promise<SentRef>;
  /** sends what was held, in order, while the quota allows; returns how many went out */
  flushHeld(): Promise<{ sent: number; left: number }>;
}

type Wire =
  | { kind: 'image'; png: string; name?: string }
  | { kind: 'file'; base64: string; name: string }
  | Exclude<OutboundMessage, { kind: 'image' } | { kind: 'file' }>;

// a held message is stored as JSON: bytes as base64
const toWire = (m: OutboundMessage): Wire =>
  m.kind === 'image'
    ? { kind: 'image', png: m.png.toString('base64'), ...(m.name ? { name: m.name } : {}) }
    : m.kind === 'file'
      ? { kind: 'file', base64: m.bytes.toString('base64'), name: m.name }
      : m;
const fromWire = (w: Wire): OutboundMessage =>
  w.kind === 'image'
    ? { kind: 'image', png: Buffer.from(w.png, 'base64'), ...(w.name ? { name: w.name } : {}) }
    : w.kind === 'file'
      ? { kind: 'file', bytes: Buffer.from(w.base64, 'base64'), name: w.name }
      : w;

export function classOf(to: Recipient, msg: OutboundMessage): QuotaClass {
  if (msg.kind === 'card') return 'card';
  return 'chatId' in to ? 'group' : 'personal';
}

export function createDingtalkSender(
  api: DingtalkApi,
  cards: CardOptions,
  log: Log,
  robots?: GroupRobots,
): DingtalkSender {
  const { robotCode } = api.creds;
  const quota = api.quota;

  /** a message's parts in order; to people, batchSendAll says whom DingTalk did not deliver to (./batch-send.ts) */
  const robotSend = async (to: Recipient, msgs: RobotMsg[]): Promise<void> => {
    if ('userIds' in to) return batchSendAll(api, to.userIds, msgs, log);
    for (const m of msgs)
      await api.call('POST', '/v1.0/robot/groupMessages/send', { robotCode, openConversationId: to.chatId, ...m });
  };

  const deliverCard = (to: Recipient, card: Card) => deliverCardTo(api, cards, log, to, card);

  const deliver = async (to: Recipient, msg: OutboundMessage): Promise<void> => {
    switch (msg.kind) {
      case 'text':
        return robotSend(to, textMsgs(msg.text));
      case 'markdown':
        return robotSend(to, markdownMsgs(msg.text));
      case 'image':
        return robotSend(to, [imageMsg(await api.uploadImage(msg.png, msg.name ?? 'chart.png'))]);
      case 'file':
        return robotSend(to, [fileMsg(await api.uploadFile(msg.bytes, msg.name), msg.name)]);
      case 'card':
        return deliverCard(to, msg.card);
    }
  };

  const update = async (ref: CardRef, card: Card): Promise<void> => {
    await api.call('PUT', '/v1.0/card/instances', {
      outTrackId: ref.cardId,
      cardData: { cardParamMap: cardParamMap({ ...card, id: ref.cardId }) },
      cardUpdateOptions: { updateCardDataByKey: true },
      userIdType: 1,
    });
  };

  /**
   * sends now, or keeps the message when the quota says so (before the call, or by its answer); `fallback` (a
   * group's custom robot) is used instead of holding when there is one
   */
  const guarded = async (
    cls: QuotaClass,
    op: HeldItem['op'],
    to: unknown,
    msg: OutboundMessage,
    run: () => Promise<void>,
    fallback?: () => Promise<void>,
  ): Promise<SentRef> => {
    if (!(await quota.allows(cls))) {
      if (fallback) {
        log.info(
          { cls },
          'dingtalk group message sent through its custom robot: the month’s OpenAPI budget holds it back',
        );
        await fallback();
        return {};
      }
      await quota.hold({ cls, op, to, msg: toWire(msg) });
      log.warn({ cls, op }, 'dingtalk message held: the month’s OpenAPI budget does not allow it now');
      return {};
    }
    try {
      await run();
    } catch (e) {
      if (fallback && e instanceof DingtalkApiError && !(e instanceof RateLimited)) {
        // the app robot cannot post there (not in the group) or the month ran out mid-way: the group's own robot
        log.warn({ code: e.code }, 'dingtalk group send refused: using the group’s custom robot');
        await fallback();
        return {};
      }
      if (!(e instanceof QuotaExhausted)) throw e;
      // a batch may have gone out in part: only the remainder is unknown, so the whole message is kept (a repeat
      // beats a loss)
      await quota.hold({ cls, op, to, msg: toWire(msg) });
    }
    return {};
  };

  const sendAs = async (cls: QuotaClass, to: Recipient, msg: OutboundMessage): Promise<SentRef> => {
    if ('userIds' in to && to.userIds.length === 0) throw new DingtalkInputError('no recipient');
    if ((await quota.held()).length && (await quota.allows(cls))) {
      // what waited goes first, so a month's messages arrive in their order
      await flushHeld().catch((e: unknown) => log.warn({ err: e }, 'dingtalk held messages not flushed yet'));
    }
    const robot =
      robots && 'chatId' in to && robots.has(to.chatId) && (msg.kind === 'text' || msg.kind === 'markdown')
        ? () => robots.send(to.chatId, msg.kind as 'text' | 'markdown', (msg as { text: string }).text)
        : undefined;
    return guarded(cls, 'send', to, msg, () => deliver(to, msg), robot);
  };

  const flushHeld = async (): Promise<{ sent: number; left: number }> =>
    quota.exclusive(async () => {
      const items = await quota.held();
      const done = new Set<string>();
      for (const item of items) {
        if (!(await quota.allows(item.cls))) break;
        const msg = fromWire(item.msg as Wire);
        try {
          if (item.op === 'send') await deliver(item.to as Recipient, msg);
          else if (msg.kind === 'card') await update(item.to as CardRef, msg.card);
          done.add(item.id);
        } catch (e) {
          if (e instanceof QuotaExhausted) break;
          if (e instanceof RecipientsUndelivered) {
            // the others have it: only the throttled are held again (at the end); the invalid ones are dropped
            // (logged with masked ids by batchSendAll)
            if (e.outcome.throttled.length)
              await quota.hold({ cls: item.cls, op: item.op, to: { userIds: e.outcome.throttled }, msg: item.msg });
            done.add(item.id);
            continue;
          }
          // a final refusal (bad input, a card DingTalk does not know) would fail the same way every time
          if (e instanceof DingtalkInputError || (e instanceof DingtalkApiError && !(e instanceof RateLimited))) {
            log.error({ err: e, op: item.op }, 'held dingtalk message dropped: DingTalk refuses it for good');
            done.add(item.id);
            continue;
          }
          throw e;
        }
      }
      await quota.release(done);
      return { sent: done.size, left: items.length - done.size };
    });

  return {
    send: (to, msg) => sendAs(classOf(to, msg), to, msg),
    sendAs,
    flushHeld,
    async updateCard(ref, msg) {
      await guarded('card', 'updateCard', ref, msg, () => update(ref, msg.card));
    },
  };
}
