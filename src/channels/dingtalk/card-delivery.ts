/**
 * An approval card put in people's and groups' chats (DINGTALK.md §5). DingTalk answers each space's outcome in
 * `deliverResults` (card_1_0 CreateAndDeliverResponseBody; `result` of DeliverCardResponseBody): a 200 does not mean
 * everyone got the card. The spaces it did not reach are said as RecipientsUndelivered (throttled: the job queue
 * retries them alone, then the dead-letter list), so an officer is never left without the card while its row reads
 * `sent`.
 *
 * The instance exists after the first call, so a retry for the spaces left must not create it again: it is put in
 * them with /v1.0/card/instances/deliver (card_1_0 DeliverCardRequest), which shows the card's data as it is now.
 * Which instances exist is kept in the shared store, so another process (or this one after a restart) retries the
 * same way.
 */
import { z } from 'zod';
import type { Log } from '../../core/log.js';
import type { Card, Recipient } from '../../core/messages.js';
import { maskedList, maskUserId, RecipientsUndelivered } from '../../core/undelivered.js';
import type { KeyValueStore } from '../../state/store.js';
import type { DingtalkApi } from './api-client.js';
import { DingtalkInputError } from './errors.js';
import { cardParamMap } from './render.js';

/** outTrackId: our Card.id; DingTalk takes letters, digits and -_. (card_1_0 CreateAndDeliverRequest) */
const OUT_TRACK_ID = /^[A-Za-z0-9_.:-]{1,128}$/;
const CREATE_PATH = '/v1.0/card/instances/createAndDeliver';
const DELIVER_PATH = '/v1.0/card/instances/deliver';
/** how long an instance is known to exist: far past the last retry of its delivery and the claim's decision */
const CREATED_TTL_MS = 90 * 24 * 3_600_000;

export interface CardOptions {
  templateId: string;
  /** set when clicks come over HTTP (callbackType HTTP with this route key); unset: over Stream */
  callbackRouteKey?: string;
  /** where the instances created are remembered (unset: every delivery creates, as before) */
  store?: KeyValueStore;
}

const SpaceResult = z.object({
  spaceType: z.string().optional(),
  spaceId: z.string().optional(),
  success: z.boolean().optional(),
  errorMsg: z.string().optional(),
});
const SpaceResults = z.array(SpaceResult).catch([]);
const CreateAnswer = z.object({ result: z.object({ deliverResults: SpaceResults.optional() }).optional() });
const DeliverAnswer = z.object({ result: SpaceResults.optional() });

const createdKey = (outTrackId: string) => `dingtalk:card:${outTrackId}:created`;

const spacesOf = (to: Recipient) =>
  'chatId' in to ? `dtv1.card//IM_GROUP.${to.chatId}` : to.userIds.map((u) => `dtv1.card//IM_ROBOT.${u}`).join(';');

export async function deliverCard(
  api: DingtalkApi,
  opts: CardOptions,
  log: Log,
  to: Recipient,
  card: Card,
): Promise<void> {
  if (!OUT_TRACK_ID.test(card.id)) throw new DingtalkInputError(`card id ${card.id} is not a valid outTrackId`);
  const { robotCode } = api.creds;
  const where =
    'chatId' in to
      ? { imGroupOpenSpaceModel: { supportForward: false }, imGroupOpenDeliverModel: { robotCode } }
      : {
          imRobotOpenSpaceModel: { supportForward: false },
          imRobotOpenDeliverModel: { spaceType: 'IM_ROBOT', robotCode },
        };
  const created = opts.store ? (await opts.store.get(createdKey(card.id))) !== null : false;
  let results: z.infer<typeof SpaceResults>;
  if (created) {
    const raw = await api.call('POST', DELIVER_PATH, {
      outTrackId: card.id,
      openSpaceId: spacesOf(to),
      userIdType: 1,
      ...where,
    });
    results = DeliverAnswer.catch({}).parse(raw).result ?? [];
  } else {
    const callback = opts.callbackRouteKey
      ? { callbackType: 'HTTP', callbackRouteKey: opts.callbackRouteKey }
      : { callbackType: 'STREAM' };
    const raw = await api.call('POST', CREATE_PATH, {
      cardTemplateId: opts.templateId,
      outTrackId: card.id,
      ...callback,
      cardData: { cardParamMap: cardParamMap(card) },
      userIdType: 1,
      openSpaceId: spacesOf(to),
      ...where,
    });
    await opts.store?.set(createdKey(card.id), '1', CREATED_TTL_MS);
    results = CreateAnswer.catch({}).parse(raw).result?.deliverResults ?? [];
  }
  const failed = results.filter((r) => r.success === false);
  if (!failed.length) return;
  // DingTalk's own words, with any staff id in them masked like ours (logs and dead-letter reasons)
  let why = [...new Set(failed.map((r) => r.errorMsg ?? ''))].filter(Boolean).join('; ').slice(0, 200);
  for (const id of new Set(failed.map((r) => r.spaceId ?? ''))) if (id) why = why.replaceAll(id, maskUserId(id));
  if ('chatId' in to) {
    // one space: nobody in the group has the card; the queue retries the whole send (now a delivery)
    throw new Error(`DingTalk card ${card.id} not delivered to the group: ${why || 'no reason given'}`);
  }
  const missed = new Set(failed.map((r) => r.spaceId ?? ''));
  const throttled = to.userIds.filter((u) => missed.has(u));
  const delivered = to.userIds.filter((u) => !missed.has(u));
  if (!throttled.length) {
    // failures naming no one we sent to: nothing to retry for (a retry would put the card in everyone's chat again)
    log.error(
      { outTrackId: card.id, spaces: failed.map((r) => maskUserId(r.spaceId ?? '')) },
      'dingtalk card delivery failed for spaces not asked for',
    );
    return;
  }
  log.warn(
    { outTrackId: card.id, missed: maskedList(throttled), reason: why },
    'dingtalk card not delivered to everyone: retried for them',
  );
  throw new RecipientsUndelivered(
    { delivered, throttled, invalid: [] },
    `DingTalk card delivery (${why || 'no reason given'})`,
  );
}
