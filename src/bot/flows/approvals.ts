/**
 * Officers decide claims on message cards: every officer of the member's office gets the same card; a click is
 * checked (officer of that office, or the centre for a second-level approval), decided exactly once, every copy
 * of the card is updated to its final state with who decided and when, and the worker is told.
 */
import { daysBetween, maskName, shanghaiDate, shanghaiStamp } from '../../rules/index.js';
import {
  type Approver,
  DECISION_LABEL,
  type Decision,
  decide,
  lastDecision,
  markPaid,
} from '../../services/approvals.js';
import { type Person, rolesOf } from '../../services/people.js';
import { currentPeriod } from '../../services/periods.js';
import type { BotDeps, Turn } from '../context.js';
import { writeDialog } from '../dialog.js';
import type { Card, InboundMessage, OutboundMessage, Platform } from '../messages.js';
import { forgetStatus } from '../status-cache.js';
import { CLAIM_STATUS_LABEL } from './worker.js';

const ACTION = /^(approve|reject|needs_info):(\d+)$/;

function approverOf(p: Person): Approver {
  return {
    memberId: p.memberId,
    offices: rolesOf(p, 'officer').map((r) => r.orgId),
    centre: rolesOf(p, 'centre').length > 0,
  };
}

async function claimCard(
  deps: BotDeps,
  claimId: number,
  level: number,
  cardId: string,
  finalText?: string,
): Promise<Card> {
  const c = await deps.db.claim.findUniqueOrThrow({
    where: { id: claimId },
    include: { member: { include: { unit: true } }, attachments: true, period: true },
  });
  const breakdown = JSON.parse(c.breakdown) as { segments?: unknown[] };
  // a final card keeps its buttons: the platform shows them greyed under the final text
  const buttons = [
    { key: `approve:${c.id}`, text: '批准', style: 'primary' as const },
    { key: `reject:${c.id}`, text: '驳回', style: 'danger' as const },
    { key: `needs_info:${c.id}`, text: '补材料', style: 'default' as const },
  ];
  return deps.templates.card(
    'claim_approval',
    {
      claim: c,
      member: maskName(c.member.name),
      unit: c.member.unit.name,
      period: c.period.name,
      level,
      segments: breakdown.segments ?? [],
      photos: c.attachments.length,
    },
    {
      id: cardId,
      buttons,
      ...(finalText ? { finalText } : {}),
      links: c.attachments
        .filter((a) => a.url)
        .slice(0, 3)
        .map((a, i) => ({ text: `单据 ${i + 1}`, url: a.url! })),
    },
  );
}

async function approversFor(deps: BotDeps, claimId: number, level: number, platform: Platform): Promise<string[]> {
  const c = await deps.db.claim.findUniqueOrThrow({ where: { id: claimId }, select: { officeId: true } });
  const grants = await deps.db.roleGrant.findMany({
    where: level === 1 ? { role: 'officer', orgId: c.officeId ?? -1 } : { role: 'centre' },
    select: { member: { select: { identities: { where: { platform }, select: { userId: true } } } } },
  });
  return [...new Set(grants.flatMap((g) => g.member.identities.map((i) => i.userId)))];
}

/** Sends the approval card of `level` to every approver on every platform, and records each card. */
export async function sendApprovalCards(
  deps: BotDeps,
  claimId: number,
  level: number,
  only?: { platform: Platform; userIds: string[] },
): Promise<number> {
  let sent = 0;
  for (const platform of deps.outbox.platforms()) {
    if (only && only.platform !== platform) continue;
    const userIds = only ? only.userIds : await approversFor(deps, claimId, level, platform);
    if (!userIds.length) continue;
    const cardId = `claim-${claimId}-l${level}-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
    const card = await claimCard(deps, claimId, level, cardId);
    const ref = await deps.outbox.send(platform, { userIds }, { kind: 'card', card });
    await deps.db.claimCard.create({
      data: {
        claimId,
        platform,
        cardId,
        level,
        recipients: JSON.stringify(userIds),
        responseCode: ref.responseCode ?? null,
      },
    });
    sent++;
  }
  return sent;
}

/** After a decision: every copy of every card of that level shows the final state. */
async function finaliseCards(
  deps: BotDeps,
  claimId: number,
  level: number,
  text: string,
  clicked?: { platform: Platform; cardId: string; responseCode?: string },
) {
  const cards = await deps.db.claimCard.findMany({ where: { claimId, level } });
  for (const c of cards) {
    const platform = c.platform as Platform;
    const useClick = clicked && clicked.cardId === c.cardId && clicked.responseCode;
    const responseCode = useClick ? clicked.responseCode : (c.responseCode ?? undefined);
    if (!responseCode && platform === 'wecom') continue;
    try {
      const card = await claimCard(deps, claimId, level, c.cardId, text);
      await deps.outbox.updateCard(
        platform,
        { cardId: c.cardId, ...(responseCode ? { responseCode } : {}), userIds: JSON.parse(c.recipients) },
        { kind: 'card', card },
      );
      // a WeCom response code is good for one update
      if (!useClick && c.responseCode)
        await deps.db.claimCard.update({ where: { id: c.id }, data: { responseCode: null } });
    } catch (e) {
      deps.log.warn({ err: e, claimId, cardId: c.cardId }, 'card update failed');
    }
  }
}

async function tellWorker(deps: BotDeps, claimId: number, to: string, comment: string | null) {
  const c = await deps.db.claim.findUniqueOrThrow({
    where: { id: claimId },
    include: { member: { include: { identities: true } }, period: true },
  });
  // the worker's 我参加了吗 shows claims and what is left under the cap
  await forgetStatus(deps.store, c.periodId, c.memberId);
  const payoutBy = (JSON.parse(c.period.policy) as { claims?: { payoutBy?: string } }).claims?.payoutBy ?? '';
  const text = deps.templates.render('claim_result', {
    id: c.id,
    hospital: c.hospital,
    subsidyFen: c.subsidyFen,
    to,
    comment,
    payoutBy,
  });
  for (const ident of c.member.identities) {
    if (!deps.outbox.platforms().includes(ident.platform as Platform)) continue;
    try {
      await deps.outbox.send(ident.platform as Platform, { userIds: [ident.userId] }, { kind: 'text', text });
    } catch (e) {
      deps.log.warn({ err: e, claimId }, 'telling the worker failed');
    }
  }
}

async function applyDecision(
  t: Turn,
  claimId: number,
  decision: Decision,
  comment: string | null,
  clicked: { cardId: string; responseCode?: string },
): Promise<OutboundMessage[]> {
  const p = t.person!;
  const r = await decide(
    t.deps.db,
    claimId,
    approverOf(p),
    decision,
    comment,
    `${t.msg.platform}:${t.msg.userId}`,
    t.deps.now(),
  );
  if (!r.ok) {
    if (r.reason === 'forbidden') {
      const c = await t.deps.db.claim.findUnique({ where: { id: claimId }, select: { status: true } });
      return [t.say('decision_forbidden', { id: claimId, level: c?.status === 'approved_l1' ? 2 : 1 })];
    }
    if (r.reason === 'not_found') return [t.say('card_unknown')];
    return [
      t.say('decision_already', {
        id: claimId,
        by: r.decidedBy ?? '他人',
        at: r.decidedAt ? shanghaiStamp(r.decidedAt) : '',
        status: CLAIM_STATUS_LABEL[r.status ?? ''] ?? r.status,
      }),
    ];
  }
  const finalText = `已${DECISION_LABEL[decision]} · ${p.name} · ${shanghaiStamp(t.deps.now())}`;
  await finaliseCards(t.deps, claimId, r.level, finalText, { platform: t.msg.platform, ...clicked });
  await tellWorker(t.deps, claimId, r.to, comment);
  if (r.to === 'approved_l1') await sendApprovalCards(t.deps, claimId, 2);
  return [t.say('decision_done', { id: claimId, label: DECISION_LABEL[decision], to: r.to })];
}

export async function onCardClick(
  t: Turn & { msg: InboundMessage & { kind: 'card_click' } },
): Promise<OutboundMessage[]> {
  const m = ACTION.exec(t.msg.action);
  if (!m) return [t.say('card_unknown')];
  const decision = m[1] as Decision;
  const claimId = Number(m[2]);
  const clicked = { cardId: t.msg.cardId, ...(t.msg.responseCode ? { responseCode: t.msg.responseCode } : {}) };
  if (decision === 'approve') return applyDecision(t, claimId, 'approve', null, clicked);
  // a refusal needs a reason: checked now (so a stranger is refused at once), decided when the reason comes
  const claim = await t.deps.db.claim.findUnique({ where: { id: claimId } });
  if (!claim) return [t.say('card_unknown')];
  const a = approverOf(t.person!);
  const level = claim.status === 'approved_l1' ? 2 : 1;
  const allowed = level === 1 ? claim.officeId !== null && a.offices.includes(claim.officeId) : a.centre;
  if (!allowed) return [t.say('decision_forbidden', { id: claimId, level })];
  if (!['submitted', 'approved_l1'].includes(claim.status)) {
    const last = await lastDecision(t.deps.db, claimId);
    return [
      t.say('decision_already', {
        id: claimId,
        by: last?.approverName ?? '他人',
        at: last ? shanghaiStamp(last.decidedAt) : '',
        status: CLAIM_STATUS_LABEL[claim.status],
      }),
    ];
  }
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
  return applyDecision(t, d.claimId, d.decision, reason, {
    cardId: d.cardId,
    ...(d.responseCode ? { responseCode: d.responseCode } : {}),
  });
}

/** 待审批: the pending claims as cards, to this officer only, and the days left to the cut-offs. */
export async function pendingAsCards(t: Turn, p: Person): Promise<OutboundMessage[]> {
  const a = approverOf(p);
  if (!a.offices.length && !a.centre) return [t.say('forbidden', { what: '查看待审批', who: '办事处经办人' })];
  const claims = await t.deps.db.claim.findMany({
    where: {
      OR: [{ officeId: { in: a.offices }, status: 'submitted' }, ...(a.centre ? [{ status: 'approved_l1' }] : [])],
    },
    orderBy: { id: 'asc' },
    take: 20,
  });
  for (const c of claims)
    await sendApprovalCards(t.deps, c.id, c.status === 'approved_l1' ? 2 : 1, {
      platform: t.msg.platform,
      userIds: [t.msg.userId],
    });
  const period = await currentPeriod(t.deps.db);
  const today = shanghaiDate(t.deps.now());
  const { cutoffOn, payoutBy } = period.policy.claims;
  return [
    t.say('pending_cards', {
      count: claims.length,
      cutoff: cutoffOn,
      daysToCutoff: daysBetween(today, cutoffOn),
      payoutBy,
      daysToPayout: daysBetween(today, payoutBy),
    }),
  ];
}

export async function approvedUnpaid(t: Turn, p: Person): Promise<OutboundMessage[]> {
  const a = approverOf(p);
  if (!a.offices.length) return [t.say('forbidden', { what: '查看已批未付', who: '办事处经办人' })];
  const claims = await t.deps.db.claim.findMany({
    where: { officeId: { in: a.offices }, status: 'approved' },
    include: { member: true },
    orderBy: { id: 'asc' },
  });
  const period = await currentPeriod(t.deps.db);
  const today = shanghaiDate(t.deps.now());
  return [
    t.say('approved_unpaid', {
      claims: claims.map((c) => ({ id: c.id, name: maskName(c.member.name), subsidyFen: c.subsidyFen })),
      totalFen: claims.reduce((s, c) => s + c.subsidyFen, 0),
      payoutBy: period.policy.claims.payoutBy,
      daysToPayout: daysBetween(today, period.policy.claims.payoutBy),
    }),
  ];
}

export const MARK_PAID = /^(?:标记)?已支付\s*((?:#?\d+[\s,，、]*)+)$|^全部已支付$/;

export async function markPaidCommand(t: Turn, p: Person, text: string): Promise<OutboundMessage[]> {
  const a = approverOf(p);
  if (!a.offices.length) return [t.say('forbidden', { what: '标记支付', who: '办事处经办人' })];
  const ids = /^全部已支付$/.test(text)
    ? (
        await t.deps.db.claim.findMany({
          where: { officeId: { in: a.offices }, status: 'approved' },
          select: { id: true },
        })
      ).map((c) => c.id)
    : [...text.matchAll(/\d+/g)].map((x) => Number(x[0]));
  const moved = await markPaid(t.deps.db, ids, a.offices, `${t.msg.platform}:${t.msg.userId}`, t.deps.now());
  for (const id of moved) await tellWorker(t.deps, id, 'paid', null);
  return [t.say('marked_paid', { ids: moved })];
}
