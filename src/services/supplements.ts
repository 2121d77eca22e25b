/**
 * 补材料 continues the same claim: the worker adds photos and corrects fields of claim #n, and the claim returns to
 * the office's queue (status submitted) with its subsidy computed again from the corrected figures, the cap and
 * the member's other stays checked again, inside one transaction. What changed is kept in the audit log, and the
 * fresh card shows it.
 */

import { z } from 'zod';
import { jsonColumn } from '../core/json-column.js';
import type { Db } from '../db/client.js';
import { computeSubsidy, parseClaimStatus, type Subsidy, transition } from '../rules/index.js';
import { audit } from './audit.js';
import { attachKeptPhotos } from './claim-documents.js';
import { planClaimDeliveries } from './claim-outbox.js';
import type { NewClaim } from './claims.js';
import { checkStay, countedByOthers, type StayCheck } from './claims.js';
import { lockMember } from './locks.js';
import type { PeriodWithPolicy } from './periods.js';

/** Fields a worker may correct, by the words they use for them. */
export const CORRECTABLE = {
  hospital: '医院',
  admittedOn: '入院日期',
  dischargedOn: '出院日期',
  totalFen: '住院总费用',
  basicInsuranceFen: '医保报销',
  selfPaidFen: '个人自付',
  majorIllness: '重大疾病',
} as const;
export type Correctable = keyof typeof CORRECTABLE;
/** the fields of a claim a worker may correct while supplying material (the claim's own, none added) */
export type Corrections = Partial<Omit<NewClaim, 'memberId' | 'photos'>>;

export interface Change {
  field: Correctable;
  label: string;
  from: string | number | boolean;
  to: string | number | boolean;
  money: boolean;
}

/** The claim a worker may supplement: theirs, and waiting for material. */
export async function claimToSupplement(db: Db, claimId: number, memberId: number) {
  const c = await db.claim.findUnique({
    where: { id: claimId },
    include: { approvals: { where: { decision: 'needs_info' }, orderBy: { id: 'desc' }, take: 1 } },
  });
  if (!c || c.memberId !== memberId) return null;
  return { ...c, status: parseClaimStatus(c.status), asked: c.approvals[0]?.comment ?? null };
}

/** The member's claims waiting for material, newest first. */
export async function claimsWaitingForMaterial(db: Db, memberId: number) {
  return db.claim.findMany({
    where: { memberId, status: 'needs_info' },
    orderBy: { id: 'desc' },
    select: { id: true, hospital: true },
  });
}

export type ResubmitResult =
  | { ok: true; claimId: number; subsidy: Subsidy; changes: Change[]; photosAdded: number; deliveries: string[] }
  | { ok: false; reason: 'not_waiting' }
  | { ok: false; reason: 'invalid'; message: 'discharge_before_admission' | 'basic_above_total' | 'self_paid_too_high' }
  | Extract<StayCheck, { ok: false }>;

export async function resubmitClaim(
  db: Db,
  period: PeriodWithPolicy,
  input: {
    claimId: number;
    memberId: number;
    corrections: Corrections;
    photos: { platform: string; mediaId: string; url?: string }[];
  },
  actor: string,
  now: Date,
  outbox?: { platforms: string[] },
): Promise<ResubmitResult> {
  return db.$transaction(async (tx): Promise<ResubmitResult> => {
    await lockMember(db, tx, input.memberId);
    const c = await tx.claim.findUnique({ where: { id: input.claimId } });
    if (!c || c.memberId !== input.memberId || c.periodId !== period.id) return { ok: false, reason: 'not_waiting' };
    const move = transition(parseClaimStatus(c.status), 'resubmit');
    if (!move.ok) return { ok: false, reason: 'not_waiting' };
    const next = {
      hospital: c.hospital,
      admittedOn: c.admittedOn,
      dischargedOn: c.dischargedOn,
      totalFen: c.totalFen,
      basicInsuranceFen: c.basicInsuranceFen,
      selfPaidFen: c.selfPaidFen,
      majorIllness: c.majorIllness,
      ...input.corrections,
    };
    if (next.dischargedOn < next.admittedOn)
      return { ok: false, reason: 'invalid', message: 'discharge_before_admission' };
    if (next.basicInsuranceFen > next.totalFen) return { ok: false, reason: 'invalid', message: 'basic_above_total' };
    if (next.selfPaidFen > next.totalFen - next.basicInsuranceFen)
      return { ok: false, reason: 'invalid', message: 'self_paid_too_high' };
    const check = await checkStay(tx, period, c.memberId, next, now, c.id);
    if (!check.ok) return check;
    const used = await countedByOthers(tx, period.id, c.memberId, c.id);
    const s = computeSubsidy(period.policy, next, { paidThisPeriodFen: used });
    const changes: Change[] = [];
    for (const field of Object.keys(CORRECTABLE) as Correctable[]) {
      if (next[field] === c[field]) continue;
      changes.push({
        field,
        label: CORRECTABLE[field],
        from: c[field],
        to: next[field],
        money: field.endsWith('Fen'),
      });
    }
    const u = await tx.claim.updateMany({
      where: { id: c.id, status: move.from, version: c.version },
      data: {
        ...next,
        status: move.to,
        subsidyFen: s.subsidyFen,
        breakdown: JSON.stringify(s),
        levelsRequired: s.subsidyFen > period.policy.claims.secondApprovalAboveFen ? 2 : 1,
        version: { increment: 1 },
      },
    });
    if (u.count !== 1) return { ok: false, reason: 'not_waiting' };
    if (input.photos.length)
      await tx.claimAttachment.createMany({
        data: input.photos.map((p) => ({
          claimId: c.id,
          platform: p.platform,
          mediaId: p.mediaId,
          url: p.url ?? null,
        })),
      });
    await attachKeptPhotos(tx, c.id, input.photos);
    await audit(tx, actor, 'claim.supplement', 'Claim', c.id, {
      changes,
      photosAdded: input.photos.length,
      subsidyFen: s.subsidyFen,
    });
    const deliveries = outbox ? await planClaimDeliveries(tx, c.id, { ...outbox, cardsLevel: 1 }) : [];
    return { ok: true, claimId: c.id, subsidy: s, changes, photosAdded: input.photos.length, deliveries };
  });
}

const scalar = z.union([z.string(), z.number(), z.boolean()]);
/** The audit entry of a supplement: what changed (as the card shows it) and how many photos were added. */
const SupplementDetails = z.object({
  changes: z.array(
    z.object({
      field: z.enum(Object.keys(CORRECTABLE) as [Correctable, ...Correctable[]]),
      label: z.string(),
      from: scalar,
      to: scalar,
      money: z.boolean(),
    }),
  ),
  photosAdded: z.number().int(),
});

/** What the worker changed last time they supplemented this claim (for the fresh card), or null. */
export async function lastSupplement(db: Db, claimId: number) {
  const e = await db.auditLog.findFirst({
    where: { subjectType: 'Claim', subjectId: String(claimId), action: 'claim.supplement' },
    orderBy: { id: 'desc' },
  });
  if (!e?.details) return null;
  return jsonColumn(SupplementDetails, e.details, 'AuditLog.details of claim.supplement');
}
