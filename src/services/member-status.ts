/**
 * A member's standing in a period: enrolment, claims and what is left under the cap.
 */
import type { Db } from '../db/client.js';
import { type ClaimStatus, COUNTED_CLAIM_STATUSES, isIn, parseClaimStatus } from '../rules/index.js';
import type { PeriodWithPolicy } from './periods.js';
import { previousPeriod } from './periods.js';

/** statuses whose subsidy counts against the cap */
export const COUNTED_STATUSES: ClaimStatus[] = [...COUNTED_CLAIM_STATUSES];

export async function memberStanding(db: Db, period: PeriodWithPolicy, memberId: number) {
  const prev = await previousPeriod(db, period);
  const [enrolments, claims] = await Promise.all([
    db.enrolment.findMany({ where: { memberId, periodId: { in: prev ? [period.id, prev.id] : [period.id] } } }),
    db.claim
      .findMany({ where: { periodId: period.id, memberId }, orderBy: { id: 'asc' } })
      .then((rows) => rows.map((c) => ({ ...c, status: parseClaimStatus(c.status) }))),
  ]);
  const enrolment = enrolments.find((e) => e.periodId === period.id) ?? null;
  const previous = prev ? (enrolments.find((e) => e.periodId === prev.id) ?? null) : null;
  const usedFen = claims.filter((c) => isIn(COUNTED_CLAIM_STATUSES, c.status)).reduce((s, c) => s + c.subsidyFen, 0);
  const paidFen = claims.filter((c) => c.status === 'paid').reduce((s, c) => s + c.subsidyFen, 0);
  return {
    enrolment: enrolment && enrolment.kind !== 'none' ? enrolment : null,
    participatedLastPeriod: Boolean(previous && previous.kind !== 'none'),
    claims,
    usedFen,
    paidFen,
    capRemainingFen: Math.max(0, period.policy.subsidy.capFen - usedFen),
  };
}
