import type { Db } from '../../db/client.js';
import { parsePolicy } from '../../rules/policy.js';
import type { PeriodWithPolicy } from '../periods.js';

export type { PeriodWithPolicy };

export async function periodById(db: Db, id: number): Promise<PeriodWithPolicy> {
  const p = await db.period.findUniqueOrThrow({ where: { id } });
  return {
    id: p.id,
    programmeId: p.programmeId,
    number: p.number,
    name: p.name,
    policy: parsePolicy(JSON.parse(p.policy)),
  };
}

/** The current periods of every programme, with the programme's federation. */
export async function currentPeriods(
  db: Db,
): Promise<(PeriodWithPolicy & { federationId: number; programme: string })[]> {
  const rows = await db.period.findMany({
    where: { current: true },
    include: { programme: true },
    orderBy: { id: 'asc' },
  });
  return rows.map((p) => ({
    id: p.id,
    programmeId: p.programmeId,
    number: p.number,
    name: p.name,
    policy: parsePolicy(JSON.parse(p.policy)),
    federationId: p.programme.federationId,
    programme: p.programme.name,
  }));
}
