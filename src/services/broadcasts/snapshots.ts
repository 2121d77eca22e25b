/**
 * One ProgressSnapshot per ranked unit and day: yesterday's row is the base of "change since yesterday".
 * Taking it twice the same day (two instances, a replay) keeps one row, updated to the latest count.
 */
import type { Db } from '../../db/client.js';
import { providerOfDb } from '../../db/provider.js';

/**
 * One statement for every unit: the counts go in as one JSON parameter, unpacked by the database, and an existing
 * row of the day takes the new count (ON CONFLICT … DO UPDATE), so two instances taking it at once both succeed.
 * (Prisma's createMany spent ~0.5 s per 1 000 rows in its query compiler, and a changed count cost an UPDATE each.)
 */
export async function takeSnapshot(
  db: Db,
  periodId: number,
  day: string,
  counts: { id: number; participants: number }[],
): Promise<void> {
  if (!counts.length) return;
  const json = JSON.stringify(counts.map((c) => ({ orgId: c.id, participants: c.participants })));
  const conflict = `ON CONFLICT ("periodId", "orgId", "day") DO UPDATE SET "participants" = excluded."participants"`;
  if (providerOfDb(db) === 'postgresql')
    await db.$executeRawUnsafe(
      `INSERT INTO "ProgressSnapshot" ("periodId", "orgId", "day", "participants")
       SELECT $1::int, r."orgId", $2, r."participants" FROM json_to_recordset($3::json) AS r("orgId" int, "participants" int)
       ${conflict}`,
      periodId,
      day,
      json,
    );
  // SQLite: `WHERE true` tells its parser the ON CONFLICT belongs to the INSERT, not to a join in the SELECT
  else
    await db.$executeRawUnsafe(
      `INSERT INTO "ProgressSnapshot" ("periodId", "orgId", "day", "participants")
       SELECT ?, json_extract(value, '$.orgId'), ?, json_extract(value, '$.participants') FROM json_each(?) WHERE true
       ${conflict}`,
      periodId,
      day,
      json,
    );
}

export async function snapshotOf(db: Db, periodId: number, day: string): Promise<Map<number, number>> {
  const rows = await db.progressSnapshot.findMany({
    where: { periodId, day },
    select: { orgId: true, participants: true },
  });
  return new Map(rows.map((r) => [r.orgId, r.participants]));
}
