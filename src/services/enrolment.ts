/**
 * Enrolling in chat (我要参加): the facts eligibility is decided on, and the enrolment written with its audit entry
 * in one transaction. A chat enrolment is due until the unit's remittance records the fee (fees.unpaidMayClaim says
 * whether it covers a claim before that).
 */
import type { Db } from '../db/client.js';
import type { ParticipatingKind } from '../rules/index.js';
import { audit } from './audit.js';

export interface EligibilityFacts {
  status: 'in_service' | 'retired';
  birthDate: string | null;
  hasBasicInsurance: boolean;
  hasCriticalIllnessInsurance: boolean;
}

export async function eligibilityFacts(db: Db, memberId: number): Promise<EligibilityFacts> {
  const m = await db.member.findUniqueOrThrow({ where: { id: memberId } });
  return {
    status: m.status === 'retired' ? 'retired' : 'in_service',
    birthDate: m.birthDate,
    hasBasicInsurance: m.hasBasicInsurance,
    hasCriticalIllnessInsurance: m.hasCriticalIllnessInsurance,
  };
}

export type EnrolResult =
  | { kind: 'already'; enrolment: { kind: string; feeFen: number; paid: boolean } }
  | { kind: 'enrolled'; unit: string; reps: string[] };

/** Writes the member's enrolment in the period (unless one exists), audited by `actor`. */
export async function enrol(
  db: Db,
  e: { periodId: number; memberId: number; unitId: number; kind: ParticipatingKind; feeFen: number },
  actor: string,
): Promise<EnrolResult> {
  return db.$transaction(async (tx) => {
    const unit = await tx.org.findUniqueOrThrow({ where: { id: e.unitId } });
    const existing = await tx.enrolment.findUnique({
      where: { periodId_memberId: { periodId: e.periodId, memberId: e.memberId } },
    });
    if (existing && existing.kind !== 'none')
      return { kind: 'already', enrolment: { kind: existing.kind, feeFen: existing.feeFen, paid: existing.paid } };
    const data = {
      kind: e.kind,
      feeFen: e.feeFen,
      paid: false,
      source: 'chat',
      unitId: unit.id,
      rankUnitId: unit.rankUnitId,
    };
    if (existing) await tx.enrolment.update({ where: { id: existing.id }, data });
    else await tx.enrolment.create({ data: { ...data, periodId: e.periodId, memberId: e.memberId } });
    await audit(tx, actor, 'enrolment.create', 'Member', e.memberId, {
      periodId: e.periodId,
      kind: e.kind,
      feeFen: e.feeFen,
    });
    const reps = await tx.roleGrant.findMany({
      where: { role: 'rep', orgId: unit.id },
      include: { member: { select: { name: true } } },
    });
    return { kind: 'enrolled', unit: unit.name, reps: reps.map((r) => r.member.name) };
  });
}
