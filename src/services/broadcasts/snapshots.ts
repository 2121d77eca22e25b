/**
 * One ProgressSnapshot per ranked unit and day: yesterday's row is the base of "change since yesterday".
 * Taking it twice the same day (two instances, a replay) keeps one row, updated to the latest count.
 */
import type { Db } from '../../db/client.js';

export async function takeSnapshot(
  db: Db,
  periodId: number,
  day: string,
  counts: { id: number; participants: number }[],
): Promise<void> {
  const existing = new Map(
    (await db.progressSnapshot.findMany({ where: { periodId, day }, select: { orgId: true, participants: true } })).map(
      (s) => [s.orgId, s.participants],
    ),
  );
  const fresh = counts.filter((c) => !existing.has(c.id));
  if (fresh.length) {
    try {
      await db.progressSnapshot.createMany({
        data: fresh.map((c) => ({ periodId, orgId: c.id, day, participants: c.participants })),
      });
    } catch {
      // another instance took it at the same moment: its rows are as good as ours
    }
  }
  for (const c of counts)
    if (existing.has(c.id) && existing.get(c.id) !== c.participants)
      await db.progressSnapshot.update({
        where: { periodId_orgId_day: { periodId, orgId: c.id, day } },
        data: { participants: c.participants },
      });
}

export async function snapshotOf(db: Db, periodId: number, day: string): Promise<Map<number, number>> {
  const rows = await db.progressSnapshot.findMany({
    where: { periodId, day },
    select: { orgId: true, participants: true },
  });
  return new Map(rows.map((r) => [r.orgId, r.participants]));
}
