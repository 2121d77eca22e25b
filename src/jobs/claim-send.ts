/**
 * Sending a claim Delivery row (src/services/claim-outbox.ts): rendered at send time from the claim as it is then,
 * so a retried or late row never shows a stale state. Notices and new cards throw on failure (the runner retries,
 * then dead-letters); a card redraw that fails for one copy is logged and the others still go (WeCom's one-shot
 * response codes cannot be spent twice, so a retry could not do better).
 */

import { tryJsonColumn } from '../core/json-column.js';
import type { Recipient } from '../core/messages.js';
import type { SentRef } from '../core/outbox.js';
import { undeliveredOf } from '../core/undelivered.js';
import {
  cardsOf,
  claimCardFacts,
  claimCardOf,
  claimNoticeFacts,
  newClaimCard,
  recordCard,
  spendResponseCode,
} from '../services/claim-cards.js';
import { CardAnsweredFor, CLAIM_MESSAGE_KINDS, type ClaimMessage, cardAnsweredKey } from '../services/claim-outbox.js';
import type { JobContext } from './types.js';

export function isClaimMessage(m: { kind: string }): m is ClaimMessage {
  return (CLAIM_MESSAGE_KINDS as readonly string[]).includes(m.kind);
}

/** Who saw the clicked card in the click's answer (null: nobody known, so every copy is redrawn). */
async function answeredFor(ctx: JobContext, key: string): Promise<CardAnsweredFor | null> {
  try {
    const v = await ctx.store.get(cardAnsweredKey(key));
    if (v === null) return null;
    const r = tryJsonColumn(CardAnsweredFor, v, 'claim answered flag');
    return r.ok ? r.value : null;
  } catch (e) {
    ctx.log.warn({ err: e, key }, 'card answer flag unreadable: every copy is redrawn');
    return null;
  }
}

export async function sendClaimMessage(
  ctx: JobContext,
  platform: string,
  recipient: Recipient,
  m: ClaimMessage,
  /** the Delivery row's key (a refresh reads who saw the clicked card in the click's answer under it) */
  key = '',
): Promise<void> {
  const outbox = ctx.outbox;
  if (!outbox) throw new Error('no senders in this process');
  const rendering = { templates: ctx.templates, ...(ctx.documentLink ? { documentLink: ctx.documentLink } : {}) };
  if (m.kind === 'claim_notice') {
    const c = await claimNoticeFacts(ctx.db, m.claimId);
    const text = ctx.templates.render('claim_result', {
      id: c.id,
      hospital: c.hospital,
      subsidyFen: c.subsidyFen,
      to: m.to,
      comment: m.comment,
      payoutBy: c.payoutBy,
    });
    await outbox.send(platform, recipient, { kind: 'text', text });
    return;
  }
  if (m.kind === 'claim_submitted') {
    const c = await claimNoticeFacts(ctx.db, m.claimId);
    const text = ctx.templates.render('claim_submitted', { id: c.id, subsidyFen: c.subsidyFen });
    await outbox.send(platform, recipient, { kind: 'text', text });
    return;
  }
  if (m.kind === 'claim_cards') {
    if (!('userIds' in recipient)) throw new Error('approval cards go to people, not to a group');
    const { cardId, card } = await newClaimCard(ctx.db, rendering, m.claimId, m.level);
    let ref: SentRef;
    try {
      ref = await outbox.send(platform, recipient, { kind: 'card', card });
    } catch (e) {
      // the card reached some officers only (DingTalk's deliverResults): theirs is recorded, so their copies are
      // redrawn with every decision; the row keeps the others, whose retry sends them a card of their own
      const partial = undeliveredOf(e);
      if (partial?.delivered.length)
        await recordCard(ctx.db, { claimId: m.claimId, platform, cardId, level: m.level, userIds: partial.delivered });
      throw e;
    }
    await recordCard(ctx.db, {
      claimId: m.claimId,
      platform,
      cardId,
      level: m.level,
      userIds: recipient.userIds,
      ...(ref.responseCode ? { responseCode: ref.responseCode } : {}),
    });
    return;
  }
  // every copy is drawn from one read of the claim
  const [cards, facts, answered] = await Promise.all([
    cardsOf(ctx.db, m.claimId, platform),
    claimCardFacts(ctx.db, m.claimId),
    m.clicked ? answeredFor(ctx, key) : null,
  ]);
  for (const c of cards) {
    const isClicked = m.clicked?.cardId === c.cardId;
    // the click's answer drew this card already: for everyone (DingTalk's shared card data), or for the clicker
    if (isClicked && answered === 'all') continue;
    const seen = isClicked && answered !== null && answered !== 'all' ? answered.userIds : [];
    const userIds = c.userIds.filter((u) => !seen.includes(u));
    if (!userIds.length) continue;
    const useClick = isClicked && m.clicked?.responseCode;
    const responseCode = useClick ? m.clicked?.responseCode : (c.responseCode ?? undefined);
    // some platforms update a card only with a response code: one per send and one per click
    if (!outbox.canUpdateCard(platform, responseCode)) continue;
    try {
      const card = claimCardOf(rendering, facts, c.level, c.cardId);
      await outbox.updateCard(
        platform,
        { cardId: c.cardId, ...(responseCode ? { responseCode } : {}), userIds },
        { kind: 'card', card },
      );
      if (!useClick && c.responseCode) await spendResponseCode(ctx.db, c.id);
    } catch (e) {
      ctx.log.warn({ err: e, claimId: m.claimId, cardId: c.cardId }, 'card update failed');
    }
  }
}
