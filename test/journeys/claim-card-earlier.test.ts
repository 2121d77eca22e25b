/**
 * Issue #14: the officer's card shows the member's earlier claims this period. A card line holds 30 characters and
 * the sub-title 160 (WECOM.md), so a member with many claims had the list cut off mid-claim: the card now lists the
 * latest three and counts the rest (their money is in the cap's line either way).
 */
import { describe, expect, it } from 'vitest';
import { must } from '../../src/core/must.js';
import { currentPeriod } from '../../src/services/periods.js';
import { freeDays, submitDayClaim } from '../support/claims.js';
import { fileClaim, platforms, useApp } from './harness.js';

const W = 'demo-worker-1';
const OFFICER = 'demo-officer-1';

describe.each(platforms)('the earlier claims on the officer card on %s', (platform) => {
  const ctx = useApp(platform);

  it('lists the latest three of the member’s other claims and counts the older ones', async () => {
    const db = ctx.t.rt.db;
    const period = await currentPeriod(db);
    const member = await db.chatIdentity.findFirstOrThrow({ where: { userId: W, platform } });
    const demoStay = await db.claim.findFirstOrThrow({ where: { memberId: member.memberId } });
    const days = await freeDays(db, period, member.memberId, 5);
    const seeded: number[] = [];
    for (const day of days.slice(0, 4)) {
      const r = await submitDayClaim(db, period, member.memberId, day, 'test', ctx.t.app.now());
      if (!r.ok) throw new Error(r.reason);
      seeded.push(r.claim.id);
    }
    const day = must(days[4], 'five free days');
    const { id } = await fileClaim(ctx.d, W, {
      admitted: day,
      discharged: day,
      total: '5000',
      basic: '2000',
      selfPaid: '3000',
    });
    const card = ctx.d
      .inbox(OFFICER)
      .filter((m) => m.kind === 'card' && m.card?.title.includes(`#${id}`))
      .at(-1);
    const text = must(card, 'the officer got the card').text;
    // the member's other claims: the demo's paid one, then the four seeded; the card names the latest three
    const [s1, s2, s3, s4] = seeded;
    expect(text).toMatch(
      new RegExp(`本期其他：#${s2} [\\d,.]+ 待审批；#${s3} [\\d,.]+ 待审批；#${s4} [\\d,.]+ 待审批；另2笔更早`),
    );
    expect(text).not.toContain(`#${s1} `);
    expect(text).not.toContain(`#${demoStay.id} `);
  });
});
