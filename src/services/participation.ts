/**
 * A unit's standing under the entry rules in a period (src/rules/participation.ts decides): the unit's flags, and
 * its region (the office) with the period's in-service participants of all the office's units and its
 * basic-insurance headcount. Read where the rules bite: enrolment, claim submission and approval, the officer's card.
 */
import type { Db } from '../db/client.js';
import { type EntryStanding, entryStanding } from '../rules/index.js';
import type { PeriodWithPolicy } from './periods.js';

type Reader = Pick<Db, 'org' | 'enrolment'>;

export async function unitEntryStanding(db: Reader, period: PeriodWithPolicy, unitId: number): Promise<EntryStanding> {
  const unit = await db.org.findUnique({
    where: { id: unitId },
    select: { name: true, restructured: true, entryBreach: true, officeId: true },
  });
  // most units are neither: one read, and the rule says ok
  if (!unit || (!unit.restructured && !unit.entryBreach)) return { ok: true };
  if (unit.entryBreach || unit.officeId === null) return entryStanding(period.policy, unit, null);
  const office = await db.org.findUnique({
    where: { id: unit.officeId },
    select: { id: true, name: true, insuredHeadcount: true },
  });
  if (!office) return entryStanding(period.policy, unit, null);
  const units = await db.org.findMany({
    where: { OR: [{ id: office.id }, { officeId: office.id }] },
    select: { id: true },
  });
  const inServiceParticipants = await db.enrolment.count({
    where: {
      periodId: period.id,
      kind: { not: 'none' },
      unitId: { in: units.map((u) => u.id) },
      member: { status: 'in_service' },
    },
  });
  return entryStanding(period.policy, unit, {
    name: office.name,
    inServiceParticipants,
    insuredHeadcount: office.insuredHeadcount,
  });
}

/**
 * Seed 002's condition for taking a restructured or closed enterprise's workers in through its roster: null when the
 * roster may be imported, else why not (in Chinese). A unit found in breach (seed 004) is not refused here: its
 * roster stays, and its members get no subsidy (claims.ts).
 */
export async function rosterEntryRefusal(
  db: Reader,
  period: PeriodWithPolicy,
  unitCode: string,
): Promise<string | null> {
  const unit = await db.org.findUnique({ where: { code: unitCode }, select: { id: true } });
  if (!unit) return null; // the importer names an unknown unit itself
  const s = await unitEntryStanding(db, period, unit.id);
  return !s.ok && s.kind === 'ratio' ? `${s.reason}按规定暂不能吸收其职工参加${period.name}。` : null;
}
