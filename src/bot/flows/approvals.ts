/**
 * Officers decide claims on message cards: every officer of the member's office gets the same card, showing the
 * whole claim (src/services/claim-cards.ts); a click is checked (officer of that office, or the centre for a
 * second-level approval — anyone else is told only 无权操作), decided exactly once with the cap checked again
 * inside the decision's transaction; the worker's notice and the redraw of every copy of every card of the claim
 * are planned with the decision (src/services/claim-outbox.ts) and sent by the job queue, the clicked card's first.
 */

import type {
  Card,
  CardAnswer,
  InboundMessage,
  OutboundMessage,
  Platform,
  Reply,
  TurnReply,
} from '../../core/messages.js';
import { must } from '../../core/must.js';
import { daysBetween, shanghaiDate, shanghaiStamp } from '../../rules/index.js';
import { DECISION_LABEL, type Decision, mayDecide, mayHandle } from '../../services/approvals.js';
import type { ClaimCardRows, SentClaimCard } from '../../services/claim-cards.js';
import { CARD_ANSWERED_TTL_MS, cardAnsweredKey } from '../../services/claim-outbox.js';
import type { Person } from '../../services/people.js';
import type { BotDeps, Turn } from '../context.js';
import { writeDialog } from '../dialog.js';
import { approverOf, forgetWorkerStatus } from './approver.js';
import { enqueueDeliveries } from './claim-deliveries.js';
import { clicksQuiet, decidingClick } from './click-first.js';
import { isPayAction, onPayClick } from './payments.js';
import { CLAIM_STATUS_LABEL } from './worker.js';

const ACTION = /^(approve|reject|needs_info):(\d+)$/;

/** officers' cards carry the signed links to the claim's documents */
function rendering(deps: BotDeps) {
  return { templates: deps.templates, ...(deps.documentLink ? { documentLink: deps.documentLink } : {}) };
}

function claimCard(deps: BotDeps, claimId: number, level: number, cardId: string): Promise<Card> {
  return deps.services.claimCards.renderClaimCard(rendering(deps), claimId, level, cardId);
}

/** Sends the approval card of `level` to every approver on every platform, and records each card. */
export async function sendApprovalCards(deps: BotDeps, claimId: number, level: number): Promise<number> {
  let sent = 0;
  for (const platform of deps.outbox.platforms()) {
    const userIds = await deps.services.claimCards.approverUserIds(claimId, level, platform);
    if (!userIds.length) continue;
    const { cardId, card } = await deps.services.claimCards.newClaimCard(rendering(deps), claimId, level);
    const ref = await deps.outbox.send(platform, { userIds }, { kind: 'card', card });
    await deps.services.claimCards.recordCard({
      claimId,
      platform,
      cardId,
      level,
      userIds,
      ...(ref.responseCode ? { responseCode: ref.responseCode } : {}),
    });
    sent++;
  }
  return sent;
}

/** The level a card was sent for, from its id (newCardId: `claim-<id>-l<level>-…`); null for a foreign id. */
function levelOfCard(cardId: string): number | null {
  const m = /^claim-\d+-l(\d)-/.exec(cardId);
  return m ? Number(m[1]) : null;
}

/**
 * The clicked card in the claim's new state, for the click's own answer (issue #14): the officer sees it change as
 * the click is answered, not after the queue. Every row of the decision waits for `settle`: the channel says who
 * saw the card in the answer (kept under the redraw row's key for the sender, src/jobs/claim-send.ts), then the rows
 * go to the queue — once no other click is being decided (click-first.ts), so a burst of clicks is answered before
 * the queue's sends share the thread; the clicker's own redraw at once when the answer did not carry it.
 * Unsettled (the process died first), the rows stay queued and the sweep sends them, every copy's redraw included.
 */
async function clickedCardAnswer(
  t: Turn,
  rows: ClaimCardRows,
  cardId: string,
  redraws: string[],
  rest: string[],
): Promise<CardAnswer | null> {
  const level = levelOfCard(cardId);
  const deps = t.deps;
  const claimId = rows.claim.id;
  if (level === null) return null;
  let card: Card;
  try {
    // from the rows the decision read in its transaction: the claim as it now is, without reading it again
    card = await deps.services.claimCards.renderClaimCardFrom(rendering(deps), rows, level, cardId);
  } catch (e) {
    // the decision stands: the queue redraws every copy, this one too
    deps.log.warn({ err: e, claimId, cardId }, 'clicked card not drawn for the answer');
    return null;
  }
  let settled = false;
  return {
    kind: 'card_answer',
    card,
    async settle(answered) {
      if (settled) return;
      settled = true;
      if (!answered) {
        // the clicker has not seen the decision: nothing waits
        await enqueueDeliveries(deps, [...redraws, ...rest]);
        return;
      }
      for (const key of redraws)
        await deps.store.set(cardAnsweredKey(key), JSON.stringify(answered), CARD_ANSWERED_TTL_MS);
      // the channels settle a delivered answer in their background (never inside a request): waiting costs no one
      await clicksQuiet();
      await enqueueDeliveries(deps, [...redraws, ...rest]);
    },
  };
}

async function applyDecision(
  t: Turn,
  claimId: number,
  decision: Decision,
  comment: string | null,
  clicked: { cardId: string; responseCode?: string },
): Promise<{ replies: OutboundMessage[]; answer?: CardAnswer }> {
  const p = must(t.person, 'a decision is applied only for a bound person');
  const r = await t.deps.services.approvals.decide(
    claimId,
    approverOf(p),
    decision,
    comment,
    `${t.msg.platform}:${t.msg.userId}`,
    t.deps.now(),
    { platforms: t.deps.outbox.platforms(), clicked: { platform: t.msg.platform, ...clicked } },
  );
  if (!r.ok) {
    if (r.reason === 'entry_breach')
      return { replies: [t.say('decision_entry_breach', { id: claimId, reason: r.message })] };
    if (r.reason === 'cap_reached')
      return { replies: [t.say('decision_cap_reached', { id: claimId, grant: r.grant, capFen: r.grant.roomFen })] };
    if (r.reason !== 'already_decided') return { replies: [t.say('no_permission')] };
    return {
      replies: [
        t.say('decision_already', {
          id: claimId,
          by: r.decidedBy ?? '他人',
          at: r.decidedAt ? shanghaiStamp(r.decidedAt) : '',
          status: CLAIM_STATUS_LABEL[r.status ?? ''] ?? r.status,
        }),
      ],
    };
  }
  // the notice, every card's redraw and the centre's cards were planned with the decision: the queue sends them.
  // None is sent inside this turn: the officer's next click (their turns run one at a time) waits only for the
  // decision, not for the platform's API. The clicked card goes back in the click's answer; every row waits for that
  // answer to leave (clickedCardAnswer), so the clicker's copy is not drawn twice and the answer goes first
  const redraw = `:refresh:${t.msg.platform}`;
  const redraws = r.deliveries.filter((key) => key.endsWith(redraw));
  const answer =
    t.msg.kind === 'card_click' && t.msg.cardId === clicked.cardId && redraws.length > 0
      ? await clickedCardAnswer(
          t,
          r.card,
          clicked.cardId,
          redraws,
          r.deliveries.filter((key) => !redraws.includes(key)),
        )
      : null;
  if (!answer) await enqueueDeliveries(t.deps, r.deliveries);
  await forgetWorkerStatus(t.deps, r);
  const done = t.say('decision_done', { id: claimId, label: DECISION_LABEL[decision], to: r.to, grant: r.grant });
  return { replies: [done], ...(answer ? { answer } : {}) };
}

export async function onCardClick(t: Turn & { msg: InboundMessage & { kind: 'card_click' } }): Promise<Reply[]> {
  if (isPayAction(t.msg.action)) return onPayClick(t);
  const m = ACTION.exec(t.msg.action);
  if (!m) return [t.say('card_unknown')];
  const a = approverOf(must(t.person, 'card clicks reach the flow only from bound people'));
  // no role, no answer: a forged click learns nothing of the claim
  if (!a.offices.length && !a.centre) return [t.say('no_permission')];
  const decision = m[1] as Decision;
  const claimId = Number(m[2]);
  const clicked = { cardId: t.msg.cardId, ...(t.msg.responseCode ? { responseCode: t.msg.responseCode } : {}) };
  if (decision === 'approve') {
    const r = await decidingClick(() => applyDecision(t, claimId, 'approve', null, clicked));
    return r.answer ? [r.answer, ...r.replies] : r.replies;
  }
  // a refusal needs a reason: checked now (so a stranger is refused at once), decided when the reason comes
  const claim = await t.deps.services.claims.findClaim(claimId);
  if (!claim || !mayHandle(claim, a)) return [t.say('no_permission')];
  if (!['submitted', 'approved_l1'].includes(claim.status)) {
    const last = await t.deps.services.approvals.lastDecision(claimId);
    return [
      t.say('decision_already', {
        id: claimId,
        by: last?.approverName ?? '他人',
        at: last ? shanghaiStamp(last.decidedAt) : '',
        status: CLAIM_STATUS_LABEL[claim.status],
      }),
    ];
  }
  if (!mayDecide(claim, claim.status === 'approved_l1' ? 2 : 1, a)) return [t.say('no_permission')];
  await writeDialog(t.deps.store, t.msg.platform, t.msg.userId, { flow: 'decision', claimId, decision, ...clicked });
  return [t.say('decision_ask_reason', { label: DECISION_LABEL[decision] })];
}

export async function continueDecision(
  t: Turn,
  d: { claimId: number; decision: 'reject' | 'needs_info'; cardId: string; responseCode?: string },
  text: string,
) {
  const reason = text.trim();
  if (t.msg.kind !== 'text' || reason.length < 2 || reason.length > 200) return [t.say('decision_bad_reason')];
  await writeDialog(t.deps.store, t.msg.platform, t.msg.userId, null);
  // the reason comes as a text message: its answer cannot carry the card, which the queue redraws
  const r = await applyDecision(t, d.claimId, d.decision, reason, {
    cardId: d.cardId,
    ...(d.responseCode ? { responseCode: d.responseCode } : {}),
  });
  return r.replies;
}

/**
 * The officer cancelled the reason prompt: the clicked card is drawn again in its current state (with its buttons
 * while the claim waits), using the click's response code on WeCom, so the buttons the click greyed come back.
 */
export async function cancelDecision(
  deps: BotDeps,
  platform: Platform,
  d: { claimId: number; cardId: string; responseCode?: string },
): Promise<void> {
  const card = (await deps.services.claimCards.cardsOf(d.claimId)).find((c) => c.cardId === d.cardId);
  if (!card) return;
  if (!deps.outbox.canUpdateCard(platform, d.responseCode)) return;
  try {
    await deps.outbox.updateCard(
      platform,
      { cardId: d.cardId, ...(d.responseCode ? { responseCode: d.responseCode } : {}), userIds: card.userIds },
      { kind: 'card', card: await claimCard(deps, d.claimId, card.level, d.cardId) },
    );
  } catch (e) {
    deps.log.warn({ err: e, claimId: d.claimId, cardId: d.cardId }, 'restoring the card failed');
  }
}

/**
 * How many cards 待审批 sends at once: WeCom takes 30 messages a minute for one member (WECOM.md §6), so 20 cards
 * and the answer held the officer's next answer for up to a minute; the rest come with the next 待审批, once these
 * are decided.
 */
const PENDING_CARDS = 10;

/**
 * 待审批: how many wait in all, the days left to the cut-offs, then the oldest pending claims as cards, to this officer
 * only. The cards follow the text through the platform's API after the turn (on WeCom after the passive answer): ten
 * sends waited for inside the turn held the answer for each one's pacing, token and call, 待审批's reply p50 ~80 ms
 * and p99 up to 640 ms under the load bench (issue #17). They are recorded, with what each send returned, in one write.
 */
export async function pendingAsCards(t: Turn, p: Person): Promise<TurnReply[]> {
  const a = approverOf(p);
  if (!a.offices.length && !a.centre) return [t.say('forbidden', { what: '查看待审批', who: '办事处经办人' })];
  const deps = t.deps;
  const { total, claims } = await deps.services.claimCards.pendingFor(a, PENDING_CARDS);
  const drawn: { claimId: number; level: number; card: Card }[] = [];
  for (const c of claims) {
    const level = c.status === 'approved_l1' ? 2 : 1;
    const { card } = await deps.services.claimCards.newClaimCard(rendering(deps), c.id, level);
    drawn.push({ claimId: c.id, level, card });
  }
  const period = await deps.services.periods.currentPeriod();
  const today = shanghaiDate(deps.now());
  const { cutoffOn, payoutBy } = period.policy.claims;
  const { platform, userId } = t.msg;
  const summary = t.say('pending_cards', {
    count: total,
    sent: claims.length,
    cutoff: cutoffOn,
    daysToCutoff: daysBetween(today, cutoffOn),
    payoutBy,
    daysToPayout: daysBetween(today, payoutBy),
  });
  if (!drawn.length) return [summary];
  const byId = new Map(drawn.map((d) => [d.card.id, d]));
  return [
    summary,
    {
      kind: 'cards_to_record',
      cards: drawn.map((d) => d.card),
      recorded: (sent) =>
        deps.services.claimCards.recordCards(
          sent.map((s): SentClaimCard => {
            const d = must(byId.get(s.cardId), 'a sent card is one of those drawn');
            return {
              claimId: d.claimId,
              platform,
              cardId: s.cardId,
              level: d.level,
              userIds: [userId],
              ...(s.responseCode ? { responseCode: s.responseCode } : {}),
            };
          }),
        ),
    },
  ];
}

export async function approvedUnpaid(t: Turn, p: Person): Promise<OutboundMessage[]> {
  const a = approverOf(p);
  if (!a.offices.length) return [t.say('forbidden', { what: '查看已批未付', who: '办事处经办人' })];
  const listed = await t.deps.services.claimCards.approvedUnpaidOf(a.offices);
  // seed 004: a claim whose unit was found in breach after its approval is not to be paid; the list says so
  const { heldBack } = await t.deps.services.payments.payableOf(a.offices);
  const held = new Map(heldBack.map((h) => [h.id, h.reason.replace(/。$/, '')]));
  const claims = listed.map((c) => ({ ...c, heldBack: held.get(c.id) ?? null }));
  const payable = claims.filter((c) => c.heldBack === null);
  const period = await t.deps.services.periods.currentPeriod();
  const today = shanghaiDate(t.deps.now());
  return [
    t.say('approved_unpaid', {
      claims,
      heldCount: claims.length - payable.length,
      totalFen: payable.reduce((s, c) => s + c.subsidyFen, 0),
      payoutBy: period.policy.claims.payoutBy,
      daysToPayout: daysBetween(today, period.policy.claims.payoutBy),
    }),
  ];
}

export { markPaidCommand } from './payments.js';
