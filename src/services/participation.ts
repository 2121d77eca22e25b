/**
 * A unit's standing under the entry rules in a period (src/rules/participation.ts decides): the unit's flags, and
 * its region (the office) with the period's in-service participants of all the office's units and its
 * basic-insurance headcount. Read where the rules bite: enrolment, claim submission and approval, the officer’s card,
 * and the mark of payment (services/payments.ts: a claim approved before its unit was found in breach is not paid).
 */
import { z } from 'zod';
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

type MemberReader = Reader & Pick<Db, 'member'>;

/** SQLite answers a boolean column as 0/1, PostgreSQL as false/true */
const Flag = z.union([z.boolean(), z.number()]).transform(Boolean);
const EnrolledUnit = z.array(z.object({ unitId: z.number().int(), restructured: Flag, entryBreach: Flag }));

/**
 * The entry rules for a member in a period: the unit they enrolled through in the period (their unit if none).
 * Takes a transaction, so a mark of payment (and an approval) reads the standing in the same transaction that
 * writes it. The enrolment and its unit's flags come in one plain statement: most units are neither restructured
 * nor in breach, and an approval click then pays for one statement, not Prisma's two.
 */
export async function memberEntryStanding(
  db: MemberReader & Pick<Db, '$queryRaw'>,
  period: PeriodWithPolicy,
  memberId: number,
): Promise<EntryStanding> {
  const [enrolled] = EnrolledUnit.parse(
    await db.$queryRaw`SELECT e."unitId", o."restructured", o."entryBreach" FROM "Enrolment" e
      JOIN "Org" o ON o."id" = e."unitId" WHERE e."periodId" = ${period.id} AND e."memberId" = ${memberId}`,
  );
  if (enrolled && !enrolled.restructured && !enrolled.entryBreach) return { ok: true };
  // a flagged unit gets the rules' full reading; a member not enrolled in the period is judged by their own unit
  const unitId =
    enrolled?.unitId ??
    (await db.member.findUniqueOrThrow({ where: { id: memberId }, select: { unitId: true } })).unitId;
  return unitEntryStanding(db, period, unitId);
}

/**
 * Which of these members of a period stand in breach of the entry rules, with why (the members absent from the
 * map stand well). One read of their enrolments and units, and the rules once per distinct unit: a payment list
 * of a thousand claims costs a few reads, not a thousand.
 */
export async function membersInBreach(
  db: MemberReader,
  period: PeriodWithPolicy,
  memberIds: readonly number[],
): Promise<Map<number, string>> {
  const ids = [...new Set(memberIds)];
  const out = new Map<number, string>();
  if (!ids.length) return out;
  const [enrolments, members] = await Promise.all([
    db.enrolment.findMany({
      where: { periodId: period.id, memberId: { in: ids } },
      select: { memberId: true, unitId: true },
    }),
    db.member.findMany({ where: { id: { in: ids } }, select: { id: true, unitId: true } }),
  ]);
  const unitOf = new Map(members.map((m) => [m.id, m.unitId]));
  for (const e of enrolments) unitOf.set(e.memberId, e.unitId);
  // most units are neither restructured nor in breach: only the others need the rules' full reading
  const flagged = await db.org.findMany({
    where: { id: { in: [...new Set(unitOf.values())] }, OR: [{ restructured: true }, { entryBreach: true }] },
    select: { id: true },
  });
  const reasons = new Map<number, string>();
  for (const u of flagged) {
    const s = await unitEntryStanding(db, period, u.id);
    if (!s.ok) reasons.set(u.id, s.reason);
  }
  for (const [memberId, unitId] of unitOf) {
    const reason = reasons.get(unitId);
    if (reason) out.set(memberId, reason);
  }
  return out;
}
