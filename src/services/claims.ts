/**
 * Storing a claim: the subsidy is the rules core's, computed again here from the stored figures (never taken
 * from the chat form), and the claim goes to the member's office. The claim window and the member's other stays
 * are checked as soon as the dates are known (checkStay, for the form) and again inside the transaction that
 * stores the claim, with the member's row locked, so two quick submissions of the same stay give one claim.
 */

import { faultPoint } from '../core/fault.js';
import type { Db } from '../db/client.js';
import type { Prisma } from '../generated/sqlite/client.js';
import {
  type ClaimStatus,
  claimWindow,
  computeSubsidy,
  INITIAL_CLAIM_STATUS,
  LIVE_CLAIM_STATUSES,
  parseClaimStatus,
  relateStays,
  type Stay,
  type StayRelation,
  type Subsidy,
} from '../rules/index.js';
import { audit } from './audit.js';
import { attachKeptPhotos } from './claim-documents.js';
import { planClaimDeliveries } from './claim-outbox.js';
import { lockMember } from './locks.js';
import { COUNTED_STATUSES, memberStanding } from './member-status.js';
import { unitEntryStanding } from './participation.js';
import type { PeriodWithPolicy } from './periods.js';

export type Tx = Prisma.TransactionClient;

export interface NewClaim {
  memberId: number;
  hospital: string;
  admittedOn: string;
  dischargedOn: string;
  totalFen: number;
  basicInsuranceFen: number;
  selfPaidFen: number;
  majorIllness: boolean;
  photos: { platform: string; mediaId: string; url?: string }[];
}

/** A claim of the member whose stay shares dates with the one given. */
export interface StayConflict {
  claimId: number;
  relation: StayRelation;
  hospital: string;
  admittedOn: string;
  dischargedOn: string;
  status: ClaimStatus;
}

export type StayCheck =
  /** adjacent: the member's stays this one touches, or overlaps where the policy flags rather than refuses */
  | { ok: true; crossPeriod: boolean; adjacent: StayConflict[] }
  | { ok: false; reason: 'window'; message: string }
  | { ok: false; reason: 'duplicate'; conflict: StayConflict };

/** a rejected claim's stay may be claimed again (the officer said no to that claim, not to the stay) */
const LIVE_STATUSES = [...LIVE_CLAIM_STATUSES];

/** The member's live claims of the period whose stay touches or overlaps `stay` (itself excluded). */
export async function stayConflicts(
  db: Tx | Db,
  periodId: number,
  memberId: number,
  stay: Stay,
  exceptClaimId?: number,
): Promise<StayConflict[]> {
  const claims = await db.claim.findMany({
    where: {
      periodId,
      memberId,
      status: { in: LIVE_STATUSES },
      admittedOn: { lte: stay.dischargedOn },
      dischargedOn: { gte: stay.admittedOn },
      ...(exceptClaimId ? { id: { not: exceptClaimId } } : {}),
    },
    orderBy: { id: 'asc' },
    select: { id: true, hospital: true, admittedOn: true, dischargedOn: true, status: true },
  });
  return claims
    .map((c) => ({
      claimId: c.id,
      relation: relateStays(stay, c),
      hospital: c.hospital,
      admittedOn: c.admittedOn,
      dischargedOn: c.dischargedOn,
      status: parseClaimStatus(c.status),
    }))
    .filter((c) => c.relation !== 'apart');
}

/**
 * Is this stay claimable now: inside the claim window (claim-window.ts) and not the same as, or overlapping,
 * another live claim of the member this period? A stay that only touches another (a transfer) passes, listed.
 */
export async function checkStay(
  db: Tx | Db,
  period: PeriodWithPolicy,
  memberId: number,
  stay: Stay,
  now: Date,
  exceptClaimId?: number,
): Promise<StayCheck> {
  const window = claimWindow(period.policy, {
    admissionDate: stay.admittedOn,
    dischargeDate: stay.dischargedOn,
    submittedAt: now,
  });
  if (!window.open) return { ok: false, reason: 'window', message: window.reason };
  const conflicts = await stayConflicts(db, period.id, memberId, stay, exceptClaimId);
  const dup = conflicts.find((c) => c.relation === 'same' || c.relation === 'overlap');
  // the policy may leave the same or an overlapping stay to the officer: accepted, and the card flags it
  if (dup && period.policy.claims.overlappingStays === 'refuse')
    return { ok: false, reason: 'duplicate', conflict: dup };
  return { ok: true, crossPeriod: window.crossPeriod, adjacent: conflicts };
}

/** Whether the member may claim in the period: enrolled, and paid unless the policy covers unpaid enrolments. */
export type ClaimStanding =
  | { kind: 'ok' }
  | { kind: 'not_enrolled' }
  | { kind: 'unpaid'; feeFen: number }
  /** the unit breaks the entry rules (seeds 002, 004): no subsidy, no refund; `reason` says why */
  | { kind: 'entry_breach'; reason: string };

export async function claimStanding(db: Db | Tx, period: PeriodWithPolicy, memberId: number): Promise<ClaimStanding> {
  const e = await db.enrolment.findUnique({ where: { periodId_memberId: { periodId: period.id, memberId } } });
  if (!e || e.kind === 'none') return { kind: 'not_enrolled' };
  // the policy says whether a member whose fee is not yet collected is covered (seed 003: only after paying)
  if (!e.paid && !period.policy.fees.unpaidMayClaim) return { kind: 'unpaid', feeFen: e.feeFen };
  const entry = await unitEntryStanding(db, period, e.unitId);
  if (!entry.ok) return { kind: 'entry_breach', reason: entry.reason };
  return { kind: 'ok' };
}

export async function estimateSubsidy(
  db: Db,
  period: PeriodWithPolicy,
  memberId: number,
  c: Omit<NewClaim, 'memberId' | 'hospital' | 'admittedOn' | 'dischargedOn' | 'photos'>,
) {
  const s = await memberStanding(db, period, memberId);
  return computeSubsidy(period.policy, c, { paidThisPeriodFen: s.usedFen });
}

/** What the member's other claims hold against the cap this period (approved at any level, or paid). */
export async function countedByOthers(tx: Tx | Db, periodId: number, memberId: number, exceptClaimId?: number) {
  const r = await tx.claim.aggregate({
    where: {
      periodId,
      memberId,
      status: { in: COUNTED_STATUSES },
      ...(exceptClaimId ? { id: { not: exceptClaimId } } : {}),
    },
    _sum: { subsidyFen: true },
  });
  return r._sum.subsidyFen ?? 0;
}

export type SubmitResult =
  | {
      ok: true;
      claim: { id: number; subsidyFen: number; levelsRequired: number };
      subsidy: Subsidy;
      /** the officers' cards and the worker's confirmation, planned with the claim: enqueue them */
      deliveries: string[];
    }
  | Extract<StayCheck, { ok: false }>
  | { ok: false; reason: 'standing'; standing: Exclude<ClaimStanding, { kind: 'ok' }> };

export async function submitClaim(
  db: Db,
  period: PeriodWithPolicy,
  c: NewClaim,
  actor: string,
  now: Date,
  outbox?: {
    platforms: string[];
    /** the chat the claim was made in: its 已提交 is a Delivery row too (never the turn's own reply, lost in a crash) */
    confirmTo?: { platform: string; userId: string };
  },
): Promise<SubmitResult> {
  const member = await db.member.findUniqueOrThrow({ where: { id: c.memberId }, include: { unit: true } });
  const r = await db.$transaction(async (tx) => {
    await lockMember(db, tx, c.memberId);
    // checked at the start of the form and again here, where the claim is written: the enrolment may have been
    // withdrawn, or the policy may not cover an unpaid one, since the form began
    const standing = await claimStanding(tx, period, c.memberId);
    if (standing.kind !== 'ok') return { ok: false as const, reason: 'standing' as const, standing };
    const check = await checkStay(tx, period, c.memberId, c, now);
    if (!check.ok) return check;
    const overlapping = check.adjacent.filter((a) => a.relation !== 'adjacent').map((a) => a.claimId);
    const used = await countedByOthers(tx, period.id, c.memberId);
    const s = computeSubsidy(period.policy, c, { paidThisPeriodFen: used });
    const levels = s.subsidyFen > period.policy.claims.secondApprovalAboveFen ? 2 : 1;
    const created = await tx.claim.create({
      data: {
        periodId: period.id,
        memberId: c.memberId,
        officeId: member.unit.officeId,
        hospital: c.hospital,
        admittedOn: c.admittedOn,
        dischargedOn: c.dischargedOn,
        totalFen: c.totalFen,
        basicInsuranceFen: c.basicInsuranceFen,
        selfPaidFen: c.selfPaidFen,
        majorIllness: c.majorIllness,
        subsidyFen: s.subsidyFen,
        breakdown: JSON.stringify(s),
        levelsRequired: levels,
        status: INITIAL_CLAIM_STATUS,
        submittedAt: now,
        attachments: {
          create: c.photos.map((p) => ({ platform: p.platform, mediaId: p.mediaId, url: p.url ?? null })),
        },
      },
      select: { id: true, subsidyFen: true, levelsRequired: true },
    });
    await audit(tx, actor, 'claim.submit', 'Claim', created.id, {
      subsidyFen: s.subsidyFen,
      levels,
      ...(check.adjacent.length ? { adjacent: check.adjacent.map((a) => a.claimId) } : {}),
      // accepted only because the policy flags rather than refuses them: the audit says which stays it overlaps
      ...(overlapping.length ? { overlapping } : {}),
    });
    await attachKeptPhotos(tx, created.id, c.photos);
    const deliveries = outbox
      ? await planClaimDeliveries(tx, created.id, {
          platforms: outbox.platforms,
          cardsLevel: 1,
          ...(outbox.confirmTo ? { submitted: outbox.confirmTo } : {}),
        })
      : [];
    return { ok: true as const, claim: created, subsidy: s, deliveries };
  });
  faultPoint('claim-commit');
  return r;
}

export async function findClaim(db: Db, claimId: number) {
  const c = await db.claim.findUnique({
    where: { id: claimId },
    select: { id: true, status: true, officeId: true, levelsRequired: true },
  });
  return c ? { ...c, status: parseClaimStatus(c.status) } : null;
}
