/**
 * What an approval card shows and who gets it: the whole claim as the officer needs it to decide (member masked,
 * unit, stay, money, the rules' breakdown and what the cap leaves, the member's other claims this period, warnings,
 * the first level's decision for the centre), the state every copy must show after each level, and the record of
 * cards sent. Queries only; the flow renders the template.
 */
import type { Card } from '../core/messages.js';
import { must } from '../core/must.js';
import type { CardTemplateKey, TemplateKey } from '../core/template-keys.js';
import type { Db } from '../db/client.js';
import {
  type ClaimStatus,
  DECIDED_CLAIM_STATUSES,
  daysBetween,
  isIn,
  maskName,
  nearCap,
  parseClaimStatus,
  parsePolicy,
  shanghaiStamp,
} from '../rules/index.js';
import { grantNow, lastDecision } from './approvals.js';
import { stayConflicts } from './claims.js';
import { type Change, lastSupplement } from './supplements.js';

/** Something the officer must look at before deciding; the card template words it. */
export type CardWarning =
  | { kind: 'stay'; relation: string; claimId: number; hospital: string; admittedOn: string; dischargedOn: string }
  | { kind: 'capped'; fen: number }
  | { kind: 'near_cap'; fen: number }
  | { kind: 'cross_period'; date: string };

export interface ClaimCardView {
  claim: {
    id: number;
    hospital: string;
    admittedOn: string;
    dischargedOn: string;
    days: number;
    totalFen: number;
    basicInsuranceFen: number;
    selfPaidFen: number;
    majorIllness: boolean;
    status: string;
    levelsRequired: number;
  };
  member: string;
  unit: string;
  period: string;
  /** the rules' amount for the stay, before the cap */
  uncappedFen: number;
  /** what an approval grants now (stay's amount limited by the cap) — or what was granted once decided */
  grantedFen: number;
  capFen: number;
  /** the cap minus the member's other counted claims (approved at any level, or paid) */
  capRoomFen: number;
  /** the cap left after this claim */
  capRemainingFen: number;
  segments: { amountFen: number; rateBp: number; subsidyFen: number }[];
  earlier: { id: number; fen: number; status: string }[];
  warnings: CardWarning[];
  /** the office's decision, shown on the centre's card */
  firstLevel: { by: string; at: string; decision: string; comment: string | null } | null;
  /** what the worker changed when they answered 补材料 */
  supplement: { changes: Change[]; photosAdded: number } | null;
  photos: number;
  links: { text: string; url: string }[];
}

const STATUS_SHORT: Record<ClaimStatus, string> = {
  submitted: '待审批',
  needs_info: '待补材料',
  approved_l1: '待中心复核',
  approved: '已批准',
  rejected: '已驳回',
  paid: '已支付',
};

export async function claimCardView(db: Db, claimId: number): Promise<ClaimCardView> {
  const c = await db.claim.findUniqueOrThrow({
    where: { id: claimId },
    include: {
      member: { include: { unit: true } },
      attachments: true,
      period: true,
      approvals: { orderBy: { id: 'asc' } },
    },
  });
  const policy = parsePolicy(JSON.parse(c.period.policy));
  const grant = await grantNow(db, c, policy);
  const breakdown = JSON.parse(c.breakdown) as { segments?: ClaimCardView['segments'] };
  // once approved the claim holds what was granted; before, what an approval would grant now
  const status = parseClaimStatus(c.status);
  const decided = isIn(DECIDED_CLAIM_STATUSES, status);
  const grantedFen = decided ? c.subsidyFen : grant.grantedFen;
  const others = await db.claim.findMany({
    where: { periodId: c.periodId, memberId: c.memberId, id: { not: c.id } },
    orderBy: { id: 'asc' },
    select: { id: true, subsidyFen: true, status: true },
  });
  const warnings: CardWarning[] = [];
  for (const a of await stayConflicts(db, c.periodId, c.memberId, c, c.id))
    warnings.push({
      kind: 'stay',
      relation: a.relation,
      claimId: a.claimId,
      hospital: a.hospital,
      admittedOn: a.admittedOn,
      dischargedOn: a.dischargedOn,
    });
  if (!decided && grant.cappedBy > 0) warnings.push({ kind: 'capped', fen: grant.cappedBy });
  if (!decided && nearCap(policy, grant.capRemainingFen))
    warnings.push({ kind: 'near_cap', fen: grant.capRemainingFen });
  if (c.dischargedOn > policy.claims.cutoffOn) warnings.push({ kind: 'cross_period', date: policy.claims.cutoffOn });
  // the office's latest word (a claim sent back for material and supplemented was decided again)
  const l1 = c.approvals.filter((a) => a.level === 1).at(-1);
  const supplement = status === 'submitted' || status === 'approved_l1' ? await lastSupplement(db, c.id) : null;
  let firstLevel: ClaimCardView['firstLevel'] = null;
  if (l1) {
    const by = await db.member.findUnique({ where: { id: l1.approverId }, select: { name: true } });
    firstLevel = {
      by: by?.name ?? '',
      at: shanghaiStamp(l1.decidedAt),
      decision: l1.decision,
      comment: l1.comment,
    };
  }
  return {
    claim: {
      id: c.id,
      hospital: c.hospital,
      admittedOn: c.admittedOn,
      dischargedOn: c.dischargedOn,
      days: daysBetween(c.admittedOn, c.dischargedOn),
      totalFen: c.totalFen,
      basicInsuranceFen: c.basicInsuranceFen,
      selfPaidFen: c.selfPaidFen,
      majorIllness: c.majorIllness,
      status: c.status,
      levelsRequired: c.levelsRequired,
    },
    member: maskName(c.member.name),
    unit: c.member.unit.name,
    period: c.period.name,
    uncappedFen: grant.uncappedFen,
    grantedFen,
    capFen: policy.subsidy.capFen,
    capRoomFen: grant.roomFen,
    capRemainingFen: Math.max(0, grant.roomFen - grantedFen),
    segments: (breakdown.segments ?? []).filter((s) => s.amountFen > 0),
    earlier: others.map((o) => ({ id: o.id, fen: o.subsidyFen, status: STATUS_SHORT[parseClaimStatus(o.status)] })),
    warnings,
    firstLevel,
    supplement,
    photos: c.attachments.length,
    links: c.attachments
      .filter((a) => a.url)
      .slice(0, 3)
      .map((a, i) => ({ text: `单据 ${i + 1}`, url: must(a.url, 'filtered to attachments with a url') })),
  };
}

/**
 * The state every copy of every card of the claim shows, or null while the card's level is still to decide.
 * Level-1 cards end when the office decides (办事处已同意，待中心复核 for a two-level claim) and follow the
 * centre's decision after; level-2 cards end with the centre's decision.
 */
export async function cardState(
  db: Db,
  claimId: number,
  level: number,
): Promise<{ key: string; by: string; at: string } | null> {
  const c = await db.claim.findUniqueOrThrow({ where: { id: claimId }, select: { status: true, paidAt: true } });
  const status = parseClaimStatus(c.status);
  if (status === 'submitted' || (status === 'approved_l1' && level === 2)) return null;
  const last = await lastDecision(db, claimId);
  const by = last?.approverName ?? '';
  if (status === 'paid') return { key: 'paid', by, at: c.paidAt ? shanghaiStamp(c.paidAt) : '' };
  const at = last ? shanghaiStamp(last.decidedAt) : '';
  const key = status === 'approved_l1' ? 'l1_passed' : `${last?.level === 2 ? 'l2' : 'l1'}_${status}`;
  return { key, by, at };
}

/** Chat user ids of the approvers of a level on a platform: the office's officers, or the centre. */
export async function approverUserIds(db: Db, claimId: number, level: number, platform: string): Promise<string[]> {
  const c = await db.claim.findUniqueOrThrow({ where: { id: claimId }, select: { officeId: true } });
  const grants = await db.roleGrant.findMany({
    where: level === 1 ? { role: 'officer', orgId: c.officeId ?? -1 } : { role: 'centre' },
    select: { member: { select: { identities: { where: { platform }, select: { userId: true } } } } },
  });
  return [...new Set(grants.flatMap((g) => g.member.identities.map((i) => i.userId)))];
}

export async function recordCard(
  db: Db,
  c: { claimId: number; platform: string; cardId: string; level: number; userIds: string[]; responseCode?: string },
) {
  await db.claimCard.create({
    data: {
      claimId: c.claimId,
      platform: c.platform,
      cardId: c.cardId,
      level: c.level,
      recipients: JSON.stringify(c.userIds),
      responseCode: c.responseCode ?? null,
    },
  });
}

export async function cardsOf(db: Db, claimId: number) {
  const cards = await db.claimCard.findMany({ where: { claimId }, orderBy: { id: 'asc' } });
  return cards.map((c) => ({ ...c, userIds: JSON.parse(c.recipients) as string[] }));
}

/** A WeCom response code is good for one update: once used it is forgotten. */
export async function spendResponseCode(db: Db, cardRowId: number): Promise<void> {
  await db.claimCard.update({ where: { id: cardRowId }, data: { responseCode: null } });
}

/** The claim's member and chat identities, for telling them of a decision. */
export async function claimNoticeFacts(db: Db, claimId: number) {
  const c = await db.claim.findUniqueOrThrow({
    where: { id: claimId },
    include: { member: { include: { identities: true } }, period: true },
  });
  return {
    id: c.id,
    periodId: c.periodId,
    memberId: c.memberId,
    hospital: c.hospital,
    subsidyFen: c.subsidyFen,
    payoutBy: parsePolicy(JSON.parse(c.period.policy)).claims.payoutBy,
    identities: c.member.identities.map((i) => ({ platform: i.platform, userId: i.userId })),
  };
}

/** The claims waiting for this approver: the office's new ones, and for the centre those past the office. */
export async function pendingFor(db: Db, a: { offices: number[]; centre: boolean }, take = 20) {
  return db.claim
    .findMany({
      where: {
        OR: [
          { officeId: { in: a.offices }, status: 'submitted' satisfies ClaimStatus },
          ...(a.centre ? [{ status: 'approved_l1' satisfies ClaimStatus }] : []),
        ],
      },
      orderBy: { id: 'asc' },
      take,
      select: { id: true, status: true },
    })
    .then((rows) => rows.map((r) => ({ ...r, status: parseClaimStatus(r.status) })));
}

export async function approvedUnpaidOf(db: Db, offices: number[]) {
  const claims = await db.claim.findMany({
    where: { officeId: { in: offices }, status: 'approved' satisfies ClaimStatus },
    include: { member: { select: { name: true } } },
    orderBy: { id: 'asc' },
  });
  return claims.map((c) => ({ id: c.id, name: maskName(c.member.name), subsidyFen: c.subsidyFen }));
}

/** The two things a card needs of the templates (src/core/templates.ts implements them). */
export interface CardTemplates {
  card(key: CardTemplateKey, vars: Record<string, unknown>, extra?: Partial<Card>): Card;
  render(key: TemplateKey, vars?: Record<string, unknown>): string;
}

/** The card of `level` in the claim's current state: pending with its buttons, or final with who decided. */
export async function renderClaimCard(
  db: Db,
  templates: CardTemplates,
  claimId: number,
  level: number,
  cardId: string,
): Promise<Card> {
  const [view, state] = await Promise.all([claimCardView(db, claimId), cardState(db, claimId, level)]);
  // a final card keeps its buttons: the platform shows them greyed under the final text
  const buttons = [
    { key: `approve:${claimId}`, text: '批准', style: 'primary' as const },
    { key: `reject:${claimId}`, text: '驳回', style: 'danger' as const },
    { key: `needs_info:${claimId}`, text: '补材料', style: 'default' as const },
  ];
  return templates.card(
    'claim_approval',
    { ...view, level },
    {
      id: cardId,
      buttons,
      ...(state ? { finalText: templates.render('card_state', state) } : {}),
      links: view.links,
    },
  );
}

export function newCardId(claimId: number, level: number): string {
  return `claim-${claimId}-l${level}-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
}
