/**
 * The chat's ranking (services/progress.ts chatRanking): computed once for a burst of questions, the same answer as
 * the exact ranking the pushes use; a paid enrolment is seen once the memo is forgotten (or after its 5 s).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { must } from '../../src/core/must.js';
import { currentPeriod } from '../../src/services/periods.js';
import { chatRanking, forgetChatRanking, ranking } from '../../src/services/progress.js';
import { demoDb } from '../jobs/support.js';
import { providers } from '../support/db.js';

describe.each(providers)('the chat’s ranking, %s', (provider) => {
  let t: Awaited<ReturnType<typeof demoDb>>;
  beforeAll(async () => {
    t = await demoDb(provider);
  });
  afterAll(async () => {
    await t?.drop();
  });

  it('answers a burst from one computation, equal to the exact ranking; forgotten, it sees a new paid enrolment', async () => {
    const period = await currentPeriod(t.db);
    forgetChatRanking(t.db);
    const burst = await Promise.all(Array.from({ length: 5 }, () => chatRanking(t.db, period)));
    for (const r of burst) expect(r).toBe(burst[0]);
    expect(burst[0]).toEqual(await ranking(t.db, period));

    // a member not yet enrolled pays: the exact ranking moves at once, the chat's within its memo
    const member = must(
      await t.db.member.findFirst({
        where: { enrolments: { none: { periodId: period.id } } },
        include: { unit: true },
      }),
      'a member not enrolled',
    );
    await t.db.enrolment.create({
      data: {
        periodId: period.id,
        memberId: member.id,
        unitId: member.unitId,
        rankUnitId: member.unit.rankUnitId,
        kind: 'new',
        feeFen: 100,
        paid: true,
        source: 'roster',
      },
    });
    const exact = await ranking(t.db, period);
    expect(exact).not.toEqual(burst[0]);
    expect(await chatRanking(t.db, period)).toBe(burst[0]);
    forgetChatRanking(t.db);
    expect(await chatRanking(t.db, period)).toEqual(exact);
  });
});
