/**
 * What reps and officers see of their own units: enrolled against members, and who is still missing. A rep's view
 * is their unit; an officer's is their office (src/bot/flows/progress.ts decides who may ask).
 */
import type { Db } from '../db/client.js';

export interface UnitCount {
  orgId: number;
  name: string;
  /** the unit the published ranking lists this org under (an office is ranked as itself) */
  rankUnitId: number;
  enrolled: number;
  members: number;
}

/** Enrolled and member counts of each org (a unit, or a whole office) in the period. */
export async function unitCounts(db: Db, periodId: number, orgIds: readonly number[]): Promise<UnitCount[]> {
  const out: UnitCount[] = [];
  for (const orgId of orgIds) {
    const org = await db.org.findUniqueOrThrow({ where: { id: orgId } });
    const office = org.kind === 'office';
    const [enrolled, members] = await Promise.all([
      db.enrolment.count({
        where: { periodId, kind: { not: 'none' }, ...(office ? { rankUnitId: org.id } : { unitId: org.id }) },
      }),
      db.member.count({ where: office ? { unit: { officeId: org.id } } : { unitId: org.id } }),
    ]);
    out.push({ orgId, name: org.name, rankUnitId: org.rankUnitId ?? org.id, enrolled, members });
  }
  return out;
}

export interface MissingMembers {
  count: number;
  /** the first `limit`, by member id: full names (the caller masks them for an office-wide view) */
  members: { name: string; unit: string }[];
}

/** Members of these units or offices with no enrolment in the period. */
export async function missingMembers(
  db: Db,
  periodId: number,
  scope: { unitIds: readonly number[]; officeIds: readonly number[] },
  limit: number,
): Promise<MissingMembers> {
  const where = {
    OR: [{ unitId: { in: [...scope.unitIds] } }, { unit: { officeId: { in: [...scope.officeIds] } } }],
    enrolments: { none: { periodId, kind: { not: 'none' } } },
  };
  const [count, rows] = await Promise.all([
    db.member.count({ where }),
    db.member.findMany({
      where,
      select: { name: true, unit: { select: { name: true } } },
      orderBy: { id: 'asc' },
      take: limit,
    }),
  ]);
  return { count, members: rows.map((m) => ({ name: m.name, unit: m.unit.name })) };
}
