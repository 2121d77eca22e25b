/**
 * A claim filed straight through the service, for set-ups that need many claims of a member (tests, benches): a
 * one-day stay at a Hainan hospital, 5 000 元 in all (2 000 by the basic insurance, 3 000 self-paid).
 */
import type { Db } from '../../src/db/client.js';
import { addDays } from '../../src/rules/index.js';
import { submitClaim } from '../../src/services/claims.js';
import type { PeriodWithPolicy } from '../../src/services/periods.js';

export async function submitDayClaim(
  db: Db,
  period: PeriodWithPolicy,
  memberId: number,
  day: string,
  actor: string,
  now: Date,
) {
  return submitClaim(
    db,
    period,
    {
      memberId,
      hospital: '海南省人民医院',
      admittedOn: day,
      dischargedOn: day,
      totalFen: 500_000,
      basicInsuranceFen: 200_000,
      selfPaidFen: 300_000,
      majorIllness: false,
      photos: [],
    },
    actor,
    now,
  );
}

/**
 * `n` days from the period's start that none of the member's claims covers: one-day stays on them are all accepted
 * (the same stay twice would be refused as a duplicate)
 */
export async function freeDays(db: Db, period: PeriodWithPolicy, memberId: number, n: number): Promise<string[]> {
  const stays = await db.claim.findMany({ where: { memberId }, select: { admittedOn: true, dischargedOn: true } });
  const days: string[] = [];
  for (let i = 0; days.length < n; i++) {
    const day = addDays(period.policy.startsOn, i);
    if (!stays.some((s) => day >= s.admittedOn && day <= s.dischargedOn)) days.push(day);
  }
  return days;
}
