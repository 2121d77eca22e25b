/**
 * Storing a claim: the subsidy is the rules core's, computed again here from the stored figures (never taken
 * from the chat form), and the claim goes to the member's office.
 */
import type { Db } from '../db/client.js';
import { computeSubsidy } from '../rules/index.js';
import { audit } from './audit.js';
import { memberStanding } from './member-status.js';
import type { PeriodWithPolicy } from './periods.js';

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

export async function estimateSubsidy(
  db: Db,
  period: PeriodWithPolicy,
  memberId: number,
  c: Omit<NewClaim, 'memberId' | 'hospital' | 'admittedOn' | 'dischargedOn' | 'photos'>,
) {
  const s = await memberStanding(db, period, memberId);
  return computeSubsidy(period.policy, c, { paidThisPeriodFen: s.usedFen });
}

export async function submitClaim(db: Db, period: PeriodWithPolicy, c: NewClaim, actor: string) {
  const member = await db.member.findUniqueOrThrow({ where: { id: c.memberId }, include: { unit: true } });
  const s = await estimateSubsidy(db, period, c.memberId, c);
  const levels = s.subsidyFen > period.policy.claims.secondApprovalAboveFen ? 2 : 1;
  const claim = await db.$transaction(async (tx) => {
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
        attachments: {
          create: c.photos.map((p) => ({ platform: p.platform, mediaId: p.mediaId, url: p.url ?? null })),
        },
      },
    });
    await audit(tx, actor, 'claim.submit', 'Claim', created.id, { subsidyFen: s.subsidyFen, levels });
    return created;
  });
  return { claim, subsidy: s };
}
