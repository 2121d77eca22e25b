/**
 * What an approval card shows and who gets it: the whole claim as the officer needs it to decide (member masked,
 * unit, stay, money, the rules' breakdown and what the cap leaves, the member's other claims this period, warnings,
 * the first level's decision for the centre), the state every copy must show after each level, and the record of
 * cards sent. Queries only; the flow renders the template.
 */
import { z } from 'zod';
import { jsonColumn } from '../core/json-column.js';
import type { Card } from '../core/messages.js';
import { must } from '../core/must.js';
import type { CardTemplateKey, TemplateKey } from '../core/template-keys.js';
import type { Db } from '../db/client.js';
import {
  type ClaimStatus,
  COUNTED_CLAIM_STATUSES,
  capGrant,
  DECIDED_CLAIM_STATUSES,
  daysBetween,
  isIn,
  LIVE_CLAIM_STATUSES,
  maskName,
  nearCap,
  parseClaimStatus,
  relateStays,
  shanghaiStamp,
} from '../rules/index.js';
import { claimEntryStanding, uncappedOf } from './approvals.js';
import { readCardRows } from './approvals-store.js';
import type { ClaimCardRows } from './claim-card-rows.js';
import { CardRecipients } from './claim-outbox.js';
import { memo } from './memo.js';
import { periodById } from './periods.js';
import { type Change, lastSupplement } from './supplements.js';

export {
  CARD_CLAIM_INCLUDE,
  type CardClaim,
  type ClaimCardRows,
  OTHER_CLAIMS_SELECT,
  type OtherClaim,
  otherClaimsOf,
} from './claim-card-rows.js';

/** Something the officer must look at before deciding; the card template words it. */
export type CardWarning =
  | { kind: 'stay'; relation: string; claimId: number; hospital: string; admittedOn: string; dischargedOn: string }
  | { kind: 'capped'; fen: number }
  | { kind: 'near_cap'; fen: number }
  | { kind: 'cross_period'; date: string }
  /** the unit breaks the entry rules (seeds 002, 004): an approval is refused, the reason shown */
  | { kind: 'entry_breach'; reason: string };

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
  /** the member's latest other claims this period (at most EARLIER_LISTED, oldest first) */
  earlier: { id: number; fen: number; status: string }[];
  /** how many other claims this period the list leaves out (older than the listed ones) */
  earlierMore: number;
  warnings: CardWarning[];
  /** the office's decision, shown on the centre's card */
  firstLevel: { by: string; at: string; decision: string; comment: string | null } | null;
  /** the request for material a supplemented claim answers (the office's, or the centre's: back to level 1) */
  returned: { level: number; by: string; at: string; comment: string | null } | null;
  /** what the worker changed when they answered 补材料 */
  supplement: { changes: Change[]; photosAdded: number } | null;
  photos: number;
  links: { text: string; url: string }[];
}

/**
 * The card lists the member's latest other claims, and counts the rest: a card line holds 30 characters and the
 * sub-title 160 (WECOM.md), so a long list was cut off mid-claim; the cap's line already sums what they hold.
 */
const EARLIER_LISTED = 3;

const STATUS_SHORT: Record<ClaimStatus, string> = {
  submitted: '待审批',
  needs_info: '待补材料',
  approved_l1: '待中心复核',
  approved: '已批准',
  rejected: '已驳回',
  paid: '已支付',
};

/** Signs the link of a claim's document n (1-based): a short-lived URL only officers' cards carry. */
export type DocumentLinker = (claimId: number, n: number | 'all') => string | null;

/**
 * Everything the cards of a claim show, read once (the claim with its member, unit, documents and decisions; the
 * member's other claims this period; the last supplement; the deciders' names): a redraw of every copy renders
 * each from the same facts, and the clicked card's redraw costs a handful of queries, not one per field.
 */
export interface ClaimCardFacts {
  view: ClaimCardView;
  /** how many times the claim was sent back for material: a card sent in an earlier round stays closed */
  round: number;
  status: ClaimStatus;
  paidAt: Date | null;
  decisions: { level: number; decision: string; comment: string | null; by: string; at: Date }[];
}

// names of people on a card (the member and their unit, the deciders) change rarely and every redraw shows them
const people = memo<{ name: string; unit: string }>(5_000);

function personOf(db: Db, memberId: number) {
  return people.get(db, String(memberId), async () => {
    const m = await db.member.findUniqueOrThrow({
      where: { id: memberId },
      select: { name: true, unit: { select: { name: true } } },
    });
    return { name: m.name, unit: m.unit.name };
  });
}

/** A claim's stored breakdown (the rules' Subsidy at submission): the bands the card lists. */
const Breakdown = z.object({
  segments: z
    .array(z.object({ amountFen: z.number().int(), rateBp: z.number().int(), subsidyFen: z.number().int() }))
    .optional(),
});

export async function claimCardFacts(db: Db, claimId: number): Promise<ClaimCardFacts> {
  return claimCardFactsFrom(db, must(await readCardRows(db, claimId), `claim ${claimId} exists`));
}

export async function claimCardFactsFrom(db: Db, rows: ClaimCardRows): Promise<ClaimCardFacts> {
  const { claim: c, others: mine } = rows;
  const status = parseClaimStatus(c.status);
  const supplementLoad = status === 'submitted' || status === 'approved_l1' ? lastSupplement(db, c.id) : null;
  const ids = [...new Set(c.approvals.map((a) => a.approverId))];
  const [period, member, names, supplement] = await Promise.all([
    periodById(db, c.periodId),
    personOf(db, c.memberId),
    Promise.all(ids.map(async (id) => [id, (await personOf(db, id)).name] as const)),
    supplementLoad,
  ]);
  const policy = period.policy;
  const nameOf = new Map(names);
  const decisions = c.approvals.map((a) => ({
    level: a.level,
    decision: a.decision,
    comment: a.comment,
    by: nameOf.get(a.approverId) ?? '',
    at: a.decidedAt,
  }));
  // what the member's other counted claims hold against the cap (approved at any level, or paid)
  const others = mine
    .filter((o) => isIn(COUNTED_CLAIM_STATUSES, parseClaimStatus(o.status)))
    .reduce((sum, o) => sum + o.subsidyFen, 0);
  const grant = capGrant(policy, uncappedOf(c), others);
  const breakdown = jsonColumn(Breakdown, c.breakdown, 'Claim.breakdown');
  // once approved the claim holds what was granted; before, what an approval would grant now
  const decided = isIn(DECIDED_CLAIM_STATUSES, status);
  const grantedFen = decided ? c.subsidyFen : grant.grantedFen;
  const warnings: CardWarning[] = [];
  for (const o of mine) {
    // a rejected claim's stay may be claimed again; any other claim of the member is a stay to compare with
    if (!isIn(LIVE_CLAIM_STATUSES, parseClaimStatus(o.status))) continue;
    const relation = relateStays(c, o);
    if (relation === 'apart') continue;
    warnings.push({
      kind: 'stay',
      relation,
      claimId: o.id,
      hospital: o.hospital,
      admittedOn: o.admittedOn,
      dischargedOn: o.dischargedOn,
    });
  }
  if (!decided && grant.cappedBy > 0) warnings.push({ kind: 'capped', fen: grant.cappedBy });
  if (!decided && nearCap(policy, grant.capRemainingFen))
    warnings.push({ kind: 'near_cap', fen: grant.capRemainingFen });
  if (c.dischargedOn > policy.claims.cutoffOn) warnings.push({ kind: 'cross_period', date: policy.claims.cutoffOn });
  if (!decided) {
    const entry = await claimEntryStanding(db, period, c.memberId);
    if (!entry.ok) warnings.push({ kind: 'entry_breach', reason: entry.reason });
  }
  const last = decisions.at(-1);
  // sent back for material and supplemented: the fresh card says who asked, and what
  const returned =
    status === 'submitted' && last?.decision === 'needs_info'
      ? { level: last.level, by: last.by, at: shanghaiStamp(last.at), comment: last.comment }
      : null;
  // the office's latest word (a claim sent back for material and supplemented was decided again)
  const l1 = decisions.filter((a) => a.level === 1).at(-1);
  const firstLevel =
    l1 && !returned ? { by: l1.by, at: shanghaiStamp(l1.at), decision: l1.decision, comment: l1.comment } : null;
  return {
    round: decisions.filter((d) => d.decision === 'needs_info').length,
    status,
    paidAt: c.paidAt,
    decisions,
    view: {
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
      member: maskName(member.name),
      unit: member.unit,
      period: period.name,
      uncappedFen: grant.uncappedFen,
      grantedFen,
      capFen: policy.subsidy.capFen,
      capRoomFen: grant.roomFen,
      capRemainingFen: Math.max(0, grant.roomFen - grantedFen),
      segments: (breakdown.segments ?? []).filter((s) => s.amountFen > 0),
      earlier: mine
        .slice(-EARLIER_LISTED)
        .map((o) => ({ id: o.id, fen: o.subsidyFen, status: STATUS_SHORT[parseClaimStatus(o.status)] })),
      earlierMore: Math.max(0, mine.length - EARLIER_LISTED),
      warnings,
      firstLevel,
      returned,
      supplement: supplement ?? null,
      photos: c._count.attachments,
      links: [],
    },
  };
}

export async function claimCardView(db: Db, claimId: number): Promise<ClaimCardView> {
  return (await claimCardFacts(db, claimId)).view;
}

/** The round a card was sent in, from its id (newCardId); null for a card id of before rounds were kept. */
function roundOfCard(cardId: string): number | null {
  const m = /-r(\d+)-[^-]+$/.exec(cardId);
  return m ? Number(m[1]) : null;
}

/**
 * The state a card shows, or null while the card's level is still to decide. Level-1 cards end when the office
 * decides (办事处已同意，待中心复核 for a two-level claim) and follow the centre's decision after; level-2 cards end
 * with the centre's decision. A card of an earlier round (the claim was sent back for material since) stays closed
 * with the request that ended its round: the supplemented claim has fresh cards.
 */
export function cardStateOf(
  f: ClaimCardFacts,
  level: number,
  cardId: string,
): { key: string; by: string; at: string } | null {
  const round = roundOfCard(cardId);
  if (round !== null && round < f.round) {
    const ended = must(
      f.decisions.filter((d) => d.decision === 'needs_info')[round],
      'a round below the count of requests for material was ended by one',
    );
    return { key: `l${ended.level}_needs_info`, by: ended.by, at: shanghaiStamp(ended.at) };
  }
  if (f.status === 'submitted' || (f.status === 'approved_l1' && level === 2)) return null;
  const last = f.decisions.at(-1);
  const by = last?.by ?? '';
  if (f.status === 'paid') return { key: 'paid', by, at: f.paidAt ? shanghaiStamp(f.paidAt) : '' };
  const at = last ? shanghaiStamp(last.at) : '';
  const key = f.status === 'approved_l1' ? 'l1_passed' : `${last?.level === 2 ? 'l2' : 'l1'}_${f.status}`;
  return { key, by, at };
}

export async function cardState(db: Db, claimId: number, level: number, cardId = '') {
  return cardStateOf(await claimCardFacts(db, claimId), level, cardId);
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

/** A card sent for a claim: whom it went to, and the response code a platform gave for updating it. */
export interface SentClaimCard {
  claimId: number;
  platform: string;
  cardId: string;
  level: number;
  userIds: string[];
  responseCode?: string;
}

const cardRow = (c: SentClaimCard) => ({
  claimId: c.claimId,
  platform: c.platform,
  cardId: c.cardId,
  level: c.level,
  recipients: JSON.stringify(c.userIds),
  responseCode: c.responseCode ?? null,
});

export async function recordCard(db: Db, c: SentClaimCard) {
  await db.claimCard.create({ data: cardRow(c) });
}

/**
 * Several cards sent at once (an officer's 待审批), recorded in one statement: on SQLite each insert of its own
 * was a commit with its fsync, about 2 ms of the thread every card.
 */
export async function recordCards(db: Db, cards: SentClaimCard[]) {
  if (cards.length) await db.claimCard.createMany({ data: cards.map(cardRow) });
}

export async function cardsOf(db: Db, claimId: number, platform?: string) {
  const cards = await db.claimCard.findMany({
    where: { claimId, ...(platform ? { platform } : {}) },
    orderBy: { id: 'asc' },
  });
  return cards.map((c) => ({ ...c, userIds: jsonColumn(CardRecipients, c.recipients, 'ClaimCard.recipients') }));
}

/** A WeCom response code is good for one update: once used it is forgotten. */
export async function spendResponseCode(db: Db, cardRowId: number): Promise<void> {
  await db.claimCard.update({ where: { id: cardRowId }, data: { responseCode: null } });
}

/** What the worker's notice of a decision names: the claim, and its period's payout date. */
export async function claimNoticeFacts(db: Db, claimId: number) {
  const c = await db.claim.findUniqueOrThrow({
    where: { id: claimId },
    select: { id: true, periodId: true, memberId: true, hospital: true, subsidyFen: true },
  });
  return { ...c, payoutBy: (await periodById(db, c.periodId)).policy.claims.payoutBy };
}

/** The claims waiting for this approver: the office's new ones, and for the centre those past the office. */
/**
 * The claims waiting for this approver, oldest first: at most `take` of them, and how many there are in all.
 */
export async function pendingFor(db: Db, a: { offices: number[]; centre: boolean }, take: number) {
  const where = {
    OR: [
      { officeId: { in: a.offices }, status: 'submitted' satisfies ClaimStatus },
      ...(a.centre ? [{ status: 'approved_l1' satisfies ClaimStatus }] : []),
    ],
  };
  const [rows, total] = await Promise.all([
    db.claim.findMany({ where, orderBy: { id: 'asc' }, take, select: { id: true, status: true } }),
    db.claim.count({ where }),
  ]);
  return { total, claims: rows.map((r) => ({ ...r, status: parseClaimStatus(r.status) })) };
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

/** What rendering a card needs: the templates, and the signer of the documents' links (officers' cards only). */
export interface CardRendering {
  templates: CardTemplates;
  documentLink?: DocumentLinker;
}

/** The card of `level` in the claim's state as read in `facts`: pending with its buttons, or final with who decided. */
export function claimCardOf(r: CardRendering, f: ClaimCardFacts, level: number, cardId: string): Card {
  const claimId = f.view.claim.id;
  const state = cardStateOf(f, level, cardId);
  // a final card keeps its buttons: the platform shows them greyed under the final text
  const buttons = [
    { key: `approve:${claimId}`, text: '批准', style: 'primary' as const },
    { key: `reject:${claimId}`, text: '驳回', style: 'danger' as const },
    { key: `needs_info:${claimId}`, text: '补材料', style: 'default' as const },
  ];
  // one short-lived signed link per document: only these cards (officers and the centre) carry them
  const links: { text: string; url: string }[] = [];
  for (let n = 1; n <= f.view.photos && r.documentLink; n++) {
    const url = r.documentLink(claimId, n);
    if (url) links.push({ text: `单据 ${n}`, url });
  }
  // and the signed page of them all, for a card that shows fewer links than there are documents
  const indexUrl = links.length > 1 ? r.documentLink?.(claimId, 'all') : null;
  const linksIndex = indexUrl ? { text: `全部 ${links.length} 张`, url: indexUrl } : undefined;
  return r.templates.card(
    'claim_approval',
    { ...f.view, links, level },
    {
      id: cardId,
      buttons,
      ...(state ? { finalText: r.templates.render('card_state', state) } : {}),
      links,
      ...(linksIndex ? { linksIndex } : {}),
    },
  );
}

/** The card of `level` from rows the caller read (see ClaimCardRows). */
export async function renderClaimCardFrom(
  db: Db,
  templates: CardTemplates | CardRendering,
  rows: ClaimCardRows,
  level: number,
  cardId: string,
): Promise<Card> {
  return claimCardOf(renderingOf(templates), await claimCardFactsFrom(db, rows), level, cardId);
}

/** The card of `level` in the claim's current state (one read of the claim's facts). */
export async function renderClaimCard(
  db: Db,
  templates: CardTemplates | CardRendering,
  claimId: number,
  level: number,
  cardId: string,
): Promise<Card> {
  return claimCardOf(renderingOf(templates), await claimCardFacts(db, claimId), level, cardId);
}

/** A new card of `level` for the claim: its id names the round it belongs to (see cardStateOf). */
export async function newClaimCard(
  db: Db,
  templates: CardTemplates | CardRendering,
  claimId: number,
  level: number,
): Promise<{ cardId: string; card: Card }> {
  const f = await claimCardFacts(db, claimId);
  const cardId = newCardId(claimId, level, f.round);
  return { cardId, card: claimCardOf(renderingOf(templates), f, level, cardId) };
}

function renderingOf(t: CardTemplates | CardRendering): CardRendering {
  return 'templates' in t ? t : { templates: t };
}

export function newCardId(claimId: number, level: number, round = 0): string {
  return `claim-${claimId}-l${level}-r${round}-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
}
